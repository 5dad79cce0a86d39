package flymq.client;

import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;

/** The TLS a client connects with: a context and whether the server's certificate must name the host. */
record ClientTls(SSLContext context, boolean verifyHostname) {

    /**
     * From PEM files (any may be null): trusted CAs (null: the JVM's), a client certificate and key for mutual TLS,
     * or insecure (no verification at all).
     *
     * @throws IllegalArgumentException naming the file that cannot be used
     */
    static ClientTls fromFiles(Path caFile, Path certFile, Path keyFile, boolean insecure, boolean verifyHostname) {
        try {
            List<X509Certificate> trusted = caFile == null ? null : Pem.readCertificates(caFile);
            List<X509Certificate> chain = certFile == null ? null : Pem.readCertificates(certFile);
            PrivateKey key = keyFile == null ? null : Pem.readPrivateKey(keyFile);
            return new ClientTls(TlsContexts.client(trusted, key, chain, insecure), verifyHostname && !insecure);
        } catch (IOException e) {
            throw new IllegalArgumentException("TLS: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS: cannot build a client context: " + e.getMessage(), e);
        }
    }
}
