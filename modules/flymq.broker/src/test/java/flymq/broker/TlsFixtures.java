package flymq.broker;

import flymq.broker.tls.CertificateAuthority;
import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.protocol.tls.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * PEM files for TLS tests, in one directory: a CA, a server certificate it signed (for localhost and 127.0.0.1), a
 * client certificate it signed, and a rogue CA with a client certificate of its own.
 */
final class TlsFixtures {
    static final Duration VALIDITY = Duration.ofDays(2);
    final Path dir;
    final CertificateAuthority ca;
    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;
    final Path rogueCaCert;
    final Path rogueClientCert;
    final Path rogueClientKey;

    private TlsFixtures(Path dir, KeyType type) throws IOException {
        this.dir = dir;
        ca = CertificateAuthority.create("test CA", type, VALIDITY);
        caCert = dir.resolve("ca.crt");
        ca.write(caCert, dir.resolve("ca.key"));
        serverCert = dir.resolve("server.crt");
        serverKey = dir.resolve("server.key");
        ca.issue("server-1", List.of("localhost", "127.0.0.1"), type, VALIDITY).write(serverCert, serverKey);
        clientCert = dir.resolve("client.crt");
        clientKey = dir.resolve("client.key");
        ca.issue("alice", List.of(), type, VALIDITY).write(clientCert, clientKey);
        CertificateAuthority rogue = CertificateAuthority.create("rogue CA", type, VALIDITY);
        rogueCaCert = dir.resolve("rogue-ca.crt");
        rogue.write(rogueCaCert, dir.resolve("rogue-ca.key"));
        rogueClientCert = dir.resolve("rogue.crt");
        rogueClientKey = dir.resolve("rogue.key");
        rogue.issue("mallory", List.of(), type, VALIDITY).write(rogueClientCert, rogueClientKey);
    }

    static TlsFixtures create(Path dir) throws IOException {
        return new TlsFixtures(dir, KeyType.EC);
    }

    static TlsFixtures create(Path dir, KeyType type) throws IOException {
        return new TlsFixtures(dir, type);
    }

    /** Flags of a broker serving TLS on bind_addr with the server certificate, plus {@code extra} pairs. */
    String[] serverFlags(String... extra) {
        String[] base = {"security.tls_enabled", "true", "security.tls_cert_file", serverCert.toString(),
                "security.tls_key_file", serverKey.toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    /**
     * A context as the official Java SDK builds one: {@code SSLContext.getInstance("TLSv1.2")}, trusting the CA file,
     * optionally presenting a client certificate (PEM certificate plus PKCS#8 key).
     */
    SSLContext sdkContext(Path clientCertOrNull, Path clientKeyOrNull) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", Pem.readCertificates(caCert).getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCertOrNull != null) {
            KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
            keys.load(null, null);
            keys.setKeyEntry("client", Pem.readPrivateKey(clientKeyOrNull), "test".toCharArray(),
                    Pem.readCertificates(clientCertOrNull).toArray(java.security.cert.Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "test".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLSv1.2");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
