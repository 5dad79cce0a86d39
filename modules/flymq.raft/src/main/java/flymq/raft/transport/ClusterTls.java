package flymq.raft.transport;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Mutual TLS on cluster connections (JSSE only): both ends present a certificate and accept only a peer whose
 * certificate chains to the cluster CA, so a process without a node certificate from that CA cannot complete a
 * connection in either direction. The context comes from {@code contexts} at each new connection: its key manager
 * holds this node's key and certificate, its trust manager the cluster CA and nothing else (the JVM's default
 * trust store must not vouch for cluster peers).
 *
 * <p>Host names are not checked: nodes often reach each other by address, and what admits a peer is a certificate
 * from the cluster CA, which should issue certificates to cluster nodes only. TLS runs under the transport's own
 * protocol ({@link TcpClusterTransport}); a cluster secret, if set, is proven inside the TLS connection as well.
 */
public final class ClusterTls {
    private final Supplier<SSLContext> contexts;
    private final String[] protocols;
    private final String[] cipherSuites;

    private ClusterTls(Supplier<SSLContext> contexts, List<String> protocols, List<String> cipherSuites) {
        this.contexts = contexts;
        this.protocols = protocols.toArray(String[]::new);
        this.cipherSuites = cipherSuites.toArray(String[]::new);
    }

    /**
     * @param contexts     the context for a new connection (key manager: the node's certificate; trust manager: the
     *                     cluster CA only); called once per connection, so it may reload renewed files
     * @param protocols    TLS versions allowed, newest first
     * @param cipherSuites suites allowed, in order of preference
     */
    public static ClusterTls mutual(Supplier<SSLContext> contexts, List<String> protocols, List<String> cipherSuites) {
        Objects.requireNonNull(contexts, "contexts");
        if (protocols.isEmpty() || cipherSuites.isEmpty()) {
            throw new IllegalArgumentException("cluster TLS needs at least one protocol and one cipher suite");
        }
        return new ClusterTls(contexts, protocols, cipherSuites);
    }

    /** A server-mode TLS socket over an accepted connection that requires a client certificate; not handshaken. */
    SSLSocket accepting(Socket accepted) throws IOException {
        SSLContext ctx = contexts.get();
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(accepted, null, true);
        ssl.setUseClientMode(false);
        SSLParameters p = parameters(ctx);
        p.setNeedClientAuth(true);
        p.setUseCipherSuitesOrder(true);
        ssl.setSSLParameters(p);
        return ssl;
    }

    /** A client-mode TLS socket over a connected socket, presenting this node's certificate; not handshaken. */
    SSLSocket connecting(Socket connected, String host) throws IOException {
        SSLContext ctx = contexts.get();
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(connected, host, connected.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.setSSLParameters(parameters(ctx));
        return ssl;
    }

    private SSLParameters parameters(SSLContext ctx) {
        SSLParameters p = ctx.getDefaultSSLParameters();
        p.setProtocols(protocols);
        p.setCipherSuites(cipherSuites);
        return p;
    }

    @Override
    public String toString() {
        return "ClusterTls[mutual]";
    }
}
