package flymq.broker;

import flymq.protocol.tls.TlsContexts.ClientAuth;
import flymq.raft.transport.ClusterAuth;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The start-up warning of a broker reachable beyond this machine by anyone: every listener bound to a non-loopback
 * address that does not authenticate who talks to it, in one line. A listener authenticates when
 * <ul>
 *   <li>client listeners: {@code auth.enabled} without {@code auth.allow_anonymous} (every request needs a login),
 *       or TLS with {@code security.tls_client_auth=require} (mutual TLS). With anonymous access allowed the port
 *       is named, saying so;</li>
 *   <li>cluster port: a cluster secret is set ({@link ClusterAuth}), or mutual TLS ({@code cluster.tls_enabled});</li>
 *   <li>admin API: {@code auth.enabled} (it then asks for a broker user);</li>
 *   <li>metrics and health: never (they answer anyone; bind them where only monitoring reaches them).</li>
 * </ul>
 * An address is loopback when its host is {@code localhost} or resolves to loopback addresses only; an empty host
 * (":9092", every interface) is not. Defaults bind every interface, as upstream's do, so a default start warns.
 */
final class Exposure {

    private Exposure() {}

    static Optional<String> warning(BrokerConfig c) {
        List<String> open = new ArrayList<>();
        BrokerConfig.Tls tls = c.tls();
        boolean login = c.auth().enabled() && !c.auth().allowAnonymous();
        String why = c.auth().enabled() ? " (anonymous access allowed)" : "";
        boolean mutualTls = tls.enabled() && tls.clientAuth() == ClientAuth.REQUIRE;
        if (!login && !loopback(c.bindAddr()) && !(mutualTls && !tls.separateListener())) {
            open.add("client " + c.bindAddr() + why);
        }
        if (!login && tls.separateListener() && !mutualTls && !loopback(tls.addr())) {
            open.add("client TLS " + tls.addr() + why);
        }
        if (!c.peers().isEmpty() && !c.clusterAuth().enabled() && !c.clusterTls().enabled() && !loopback(c.clusterAddr())) {
            open.add("cluster " + c.clusterAddr() + " (no cluster secret or mutual TLS)");
        }
        BrokerConfig.Observability o = c.observability();
        if (o.metrics().enabled() && !loopback(o.metrics().addr())) {
            open.add("metrics " + o.metrics().addr());
        }
        if (!loopback(o.health().addr())) {
            open.add("health " + o.health().addr());
        }
        if (o.admin().enabled() && !c.auth().enabled() && !loopback(o.admin().addr())) {
            open.add("admin " + o.admin().addr());
        }
        if (open.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("listening without authentication on non-loopback addresses: " + String.join(", ", open)
                + "; anyone who can reach them can use them (bind them to 127.0.0.1, or follow the production "
                + "set-up in docs/security.md)");
    }

    /** Whether {@code host:port} listens on loopback only. */
    static boolean loopback(String address) {
        String host = address.substring(0, Math.max(0, address.lastIndexOf(':')));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false; // cannot tell: the listener will fail to bind anyway
        }
    }
}
