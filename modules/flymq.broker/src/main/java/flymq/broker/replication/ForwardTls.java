package flymq.broker.replication;

import flymq.broker.BrokerConfig;
import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import flymq.protocol.tls.TlsSockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * TLS on the connections a node opens to other nodes' client ports (forwarded requests, replica catch-up), for a
 * cluster whose nodes serve TLS on {@code bind_addr} ({@code security.tls_enabled} without {@code security.tls_addr};
 * every node of a cluster is configured alike, so this node's own setting says what its peers speak).
 *
 * <p>What the node trusts and presents:
 * <ul>
 *   <li>server certificates issued by the cluster CA ({@code cluster.tls_ca_file}) or by a CA of
 *       {@code security.tls_ca_file}; host names are not checked then (nodes reach each other by the addresses they
 *       registered, often IP addresses), as on the cluster transport: the issuer is what admits a peer. With neither
 *       file, the JVM's trusted CAs with the host name checked, as a client would;</li>
 *   <li>its node certificate ({@code cluster.tls_cert_file}) when cluster mutual TLS is on, else its client port's
 *       certificate ({@code security.tls_cert_file}), for peers whose client port asks for client certificates
 *       ({@code security.tls_client_auth}).</li>
 * </ul>
 * The files are read at start and again, for the next new connection, when one of them changed (a renewed
 * certificate); a changed set that cannot be read keeps the previous context and fails no connection.
 */
final class ForwardTls {
    private static final System.Logger LOG = System.getLogger(ForwardTls.class.getName());

    private final List<Path> trustFiles;
    private final Path certFile;
    private final Path keyFile;
    private final boolean verifyHostname;
    private volatile SSLContext context;
    private List<String> stamps;

    private ForwardTls(List<Path> trustFiles, Path certFile, Path keyFile) throws IOException {
        this.trustFiles = trustFiles;
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.verifyHostname = trustFiles.isEmpty();
        this.stamps = stamps();
        this.context = build();
    }

    /**
     * TLS for forwarding from {@code config}, or null when the nodes' client ports ({@code bind_addr}) are plaintext.
     *
     * @throws UncheckedIOException naming a file that cannot be used
     */
    static ForwardTls from(BrokerConfig config) {
        BrokerConfig.Tls client = config.tls();
        if (!client.enabled() || client.separateListener()) {
            return null;
        }
        BrokerConfig.ClusterTls cluster = config.clusterTls();
        List<Path> trust = new ArrayList<>();
        if (cluster.enabled()) {
            trust.add(Path.of(cluster.caFile()));
        }
        if (!client.caFile().isEmpty()) {
            trust.add(Path.of(client.caFile()));
        }
        Path cert = null;
        Path key = null;
        if (cluster.enabled()) {
            cert = Path.of(cluster.certFile());
            key = Path.of(cluster.keyFile());
        } else if (!client.certFile().isEmpty()) {
            cert = Path.of(client.certFile());
            key = Path.of(client.keyFile());
        }
        try {
            return new ForwardTls(List.copyOf(trust), cert, key);
        } catch (IOException e) {
            throw new UncheckedIOException("TLS for requests forwarded to other nodes: " + e.getMessage(), e);
        }
    }

    /** Layers TLS over {@code plain} (connected to {@code host}) and completes the handshake within {@code timeout}. */
    SSLSocket connect(Socket plain, String host, Duration timeout) throws IOException {
        return TlsSockets.connect(plain, host, current(), verifyHostname, timeout);
    }

    private synchronized SSLContext current() {
        List<String> now = stamps();
        if (!now.equals(stamps)) {
            stamps = now;
            try {
                context = build();
                LOG.log(System.Logger.Level.INFO, "TLS for forwarded requests: reloaded the changed files");
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "TLS for forwarded requests: the changed files cannot be used, "
                        + "keeping the ones loaded before: " + e.getMessage());
            }
        }
        return context;
    }

    private SSLContext build() throws IOException {
        List<X509Certificate> trusted = null;
        if (!trustFiles.isEmpty()) {
            trusted = new ArrayList<>();
            for (Path f : trustFiles) {
                trusted.addAll(Pem.readCertificates(f));
            }
        }
        PrivateKey key = keyFile == null ? null : Pem.readPrivateKey(keyFile);
        List<X509Certificate> chain = certFile == null ? null : Pem.readCertificates(certFile);
        try {
            return TlsContexts.client(trusted, key, chain, false);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a TLS context from " + trustFiles + (certFile == null ? ""
                    : " and " + certFile) + ": " + e.getMessage(), e);
        }
    }

    private List<String> stamps() {
        List<String> out = new ArrayList<>();
        List<Path> files = new ArrayList<>(trustFiles);
        if (certFile != null) {
            files.add(certFile);
            files.add(keyFile);
        }
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(f + "|" + a.lastModifiedTime().toMillis() + "|" + a.size() + "|" + a.fileKey());
            } catch (IOException e) {
                out.add(f + "|missing");
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ForwardTls[trust " + (trustFiles.isEmpty() ? "the JVM's CAs, host names checked" : trustFiles)
                + (certFile == null ? "" : ", presenting " + certFile) + "]";
    }
}
