package flymq.broker.tls;

import flymq.protocol.tls.Pem;
import flymq.protocol.tls.TlsContexts;
import flymq.protocol.tls.TlsContexts.ClientAuth;
import flymq.raft.transport.ClusterTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The server side of TLS for one set of PEM files: the current {@link SSLContext}, built from the certificate chain,
 * its private key and (optionally) the CAs that vouch for client certificates; layering TLS over accepted sockets;
 * and reloading when the files change, so that a renewed certificate is served without a restart.
 *
 * <p>Reload: {@link #reloadIfChanged} compares each file's modification time and size with those last loaded and,
 * when any differs, reads all of them again. Only a complete, consistent set replaces the context (the key must
 * match the leaf certificate: a certificate renewed before its key would otherwise be served with the old key and
 * every handshake would fail); connections already open keep the context they were accepted with. A set that
 * cannot be used is reported with one WARN and the old context stays; the same broken files are not reported again,
 * but their next change is tried again. Callers poll it (the broker from its housekeeping thread).
 *
 * <p>Nothing here is specific to the client port: the cluster transport can serve and verify its connections with
 * an instance of its own (with {@link ClientAuth#REQUIRE} and the cluster CA).
 */
public final class ServerTls {
    private static final System.Logger LOG = System.getLogger(ServerTls.class.getName());

    /** Default of how long a client may take to complete its handshake. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Path certFile;
    private final Path keyFile;
    private final Path caFile;
    private final ClientAuth clientAuth;
    private final Duration handshakeTimeout;
    private volatile Loaded current;
    /** The stamps of the last set that failed to load (reported once), or null. */
    private List<Stamp> failedStamps;

    /**
     * A file's identity as last seen: a change of any part means it was rewritten (the file key, an inode where
     * there are inodes, changes when a file is replaced by a rename, as careful renewal tools do). A missing file
     * has a stamp too, so that its absence is reported once, not at every poll.
     */
    private record Stamp(Path file, long modifiedMillis, long size, Object fileKey) {
    }

    private record Loaded(SSLContext context, PrivateKey key, List<X509Certificate> chain, List<Stamp> stamps) {
        X509Certificate leaf() {
            return chain.getFirst();
        }
    }

    private ServerTls(Path certFile, Path keyFile, Path caFile, ClientAuth clientAuth, Duration handshakeTimeout,
                      Loaded loaded) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.caFile = caFile;
        this.clientAuth = clientAuth;
        this.handshakeTimeout = handshakeTimeout;
        this.current = loaded;
    }

    /**
     * Reads the files and builds the first context.
     *
     * @param caFile     PEM CA certificates that vouch for client certificates, or null
     * @param clientAuth {@link ClientAuth#NONE} unless {@code caFile} is given
     * @throws IOException naming the file that cannot be used and why
     */
    public static ServerTls load(Path certFile, Path keyFile, Path caFile, ClientAuth clientAuth,
                                 Duration handshakeTimeout) throws IOException {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (clientAuth != ClientAuth.NONE && caFile == null) {
            throw new IllegalArgumentException("client certificates (" + clientAuth.name().toLowerCase()
                    + ") can only be verified with a CA file");
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive, got " + handshakeTimeout);
        }
        Loaded loaded = read(certFile, keyFile, caFile);
        warnIfExpired(loaded.leaf(), certFile);
        return new ServerTls(certFile, keyFile, caFile, clientAuth, handshakeTimeout, loaded);
    }

    /** The context new connections are accepted with. */
    public SSLContext context() {
        return current.context;
    }

    /** The certificate served now (the chain's leaf). */
    public X509Certificate certificate() {
        return current.leaf();
    }

    /** The private key served now (for a server that builds its own context from key material, as Helidon's). */
    public PrivateKey key() {
        return current.key;
    }

    /** The certificate chain served now, leaf first. */
    public List<X509Certificate> chain() {
        return current.chain;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** How long an accepted connection may take to complete its TLS handshake before it is closed. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * A server-mode TLS socket over an accepted connection (closing it closes {@code accepted}); the handshake
     * happens on the caller's first read or {@link SSLSocket#startHandshake}, so on the connection's thread.
     */
    public SSLSocket layer(Socket accepted) throws IOException {
        SSLContext ctx = current.context;
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(accepted, null, true);
        TlsContexts.configureServer(ssl, ctx, clientAuth);
        return ssl;
    }

    /**
     * Reloads the files if any changed since they were last read; returns whether a new context is in use. Never
     * throws: a set that cannot be used is logged (once) and the current context stays.
     */
    public synchronized boolean reloadIfChanged() {
        List<Stamp> now = stamps(certFile, keyFile, caFile);
        if (now.equals(current.stamps) || now.equals(failedStamps)) {
            return false;
        }
        try {
            Loaded loaded = read(certFile, keyFile, caFile);
            current = loaded;
            failedStamps = null;
            LOG.log(System.Logger.Level.INFO, "TLS: serving the certificate reloaded from " + certFile + " ("
                    + describe(loaded.leaf()) + ")");
            warnIfExpired(loaded.leaf(), certFile);
            return true;
        } catch (IOException | RuntimeException e) {
            if (!now.equals(failedStamps)) {
                LOG.log(System.Logger.Level.WARNING, "TLS: the changed files cannot be used, still serving the "
                        + "certificate loaded before (" + describe(current.leaf()) + "): " + e.getMessage());
            }
            failedStamps = now;
            return false;
        }
    }

    private static Loaded read(Path certFile, Path keyFile, Path caFile) throws IOException {
        // stamps first: a file rewritten while it is read is then seen as changed again at the next poll
        List<Stamp> stamps = stamps(certFile, keyFile, caFile);
        List<X509Certificate> chain = Pem.readCertificates(certFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        requireMatch(key, chain.getFirst(), certFile, keyFile);
        List<X509Certificate> cas = caFile == null ? List.of() : Pem.readCertificates(caFile);
        try {
            return new Loaded(TlsContexts.server(key, chain, cas), key, chain, stamps);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a TLS context from " + certFile + " and " + keyFile + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<Stamp> stamps(Path... files) {
        List<Stamp> out = new ArrayList<>();
        for (Path f : files) {
            if (f == null) {
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(new Stamp(f, a.lastModifiedTime().toMillis(), a.size(), a.fileKey()));
            } catch (IOException e) {
                // missing or unreadable: reading it will say why
                out.add(new Stamp(f, -1, -1, e.getClass().getName()));
            }
        }
        return out;
    }

    /** Signs a few bytes with the key and verifies them with the certificate: they belong together or not. */
    private static void requireMatch(PrivateKey key, X509Certificate leaf, Path certFile, Path keyFile)
            throws IOException {
        PublicKey pub = leaf.getPublicKey();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        boolean matches;
        try {
            byte[] probe = "flymq key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(probe);
            matches = s.verify(sig);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IOException("the private key in " + keyFile + " does not belong to the certificate in "
                    + certFile + " (" + describe(leaf) + ")");
        }
    }

    private static void warnIfExpired(X509Certificate leaf, Path certFile) {
        Instant notAfter = leaf.getNotAfter().toInstant();
        if (notAfter.isBefore(Instant.now())) {
            LOG.log(System.Logger.Level.WARNING, "TLS: the certificate in " + certFile + " expired on " + notAfter
                    + "; clients that verify it will refuse to connect");
        }
    }

    static String describe(X509Certificate c) {
        return "subject " + c.getSubjectX500Principal().getName() + ", valid until "
                + c.getNotAfter().toInstant();
    }

    /**
     * Mutual TLS for the cluster transport from this instance (loaded with {@link ClientAuth#REQUIRE} and the cluster
     * CA as {@code caFile}): the same context serves both ends of a connection, since its key manager holds the node
     * certificate and its trust manager only the cluster CA. Each new connection first reloads changed files, so a
     * renewed node certificate is used without a restart (connections are long-lived and few).
     */
    public ClusterTls forCluster() {
        if (clientAuth != ClientAuth.REQUIRE || caFile == null) {
            throw new IllegalStateException("cluster TLS needs the cluster CA and required client certificates");
        }
        return ClusterTls.mutual(() -> {
            reloadIfChanged();
            return context();
        }, TlsContexts.PROTOCOLS, TlsContexts.CIPHER_SUITES);
    }

    /** For callers that cannot throw a checked exception at start-up. */
    public static ServerTls loadOrFail(Path certFile, Path keyFile, Path caFile, ClientAuth clientAuth,
                                       Duration handshakeTimeout) {
        try {
            return load(certFile, keyFile, caFile, clientAuth, handshakeTimeout);
        } catch (IOException e) {
            throw new UncheckedIOException("TLS: " + e.getMessage(), e);
        }
    }
}
