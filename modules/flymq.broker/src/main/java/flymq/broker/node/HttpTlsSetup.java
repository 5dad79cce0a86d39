package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.DataDirLayout;
import flymq.broker.tls.DevTls;
import flymq.broker.tls.ServerTls;
import flymq.protocol.tls.TlsContexts.ClientAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * How {@code observability.metrics.tls_*} and {@code observability.health.tls_*} turn into the PEM files of the two
 * HTTP listeners (null: plain HTTP). Both listeners share one {@link ServerTls} when they use the same files. The
 * admin listener's ({@code observability.admin.tls_*}, {@link #admin}) is resolved the same way.
 */
record HttpTlsSetup(ServerTls metrics, ServerTls health) {
    static HttpTlsSetup load(BrokerConfig config, DataDirLayout layout) {
        BrokerConfig.HttpTls m = config.observability().metrics().enabled()
                ? config.observability().metrics().tls() : BrokerConfig.HttpTls.OFF;
        BrokerConfig.HttpTls h = config.observability().health().tls();
        try {
            if ((m.enabled() && m.generated()) || (h.enabled() && h.generated())) {
                DevTls.ensure(layout, List.of(host(config.observability().metrics().addr()),
                        host(config.observability().health().addr())));
            }
            ServerTls metrics = m.enabled() ? load(m, layout) : null;
            ServerTls health = !h.enabled() ? null
                    : metrics != null && sameFiles(m, h) ? metrics : load(h, layout);
            return new HttpTlsSetup(metrics, health);
        } catch (IOException e) {
            throw new UncheckedIOException("HTTPS (observability.*.tls_*): " + e.getMessage(), e);
        }
    }

    /**
     * The admin listener's HTTPS ({@code observability.admin.tls_*}), or null for plain HTTP. Always an instance of
     * its own, even on the same files as a telemetry listener: each poller must see a renewal for itself.
     */
    static ServerTls admin(BrokerConfig config, DataDirLayout layout) {
        BrokerConfig.HttpTls a = config.observability().admin().tls();
        if (!a.enabled()) {
            return null;
        }
        try {
            if (a.generated()) {
                DevTls.ensure(layout, List.of(host(config.observability().admin().addr())));
            }
            return load(a, layout);
        } catch (IOException e) {
            throw new UncheckedIOException("HTTPS (observability.admin.tls_*): " + e.getMessage(), e);
        }
    }

    /** The key material Helidon serves the admin listener with. */
    static flymq.admin.AdminTls adminKeys(ServerTls tls) {
        return new flymq.admin.AdminTls(tls.key(), tls.chain(),
                flymq.protocol.tls.TlsContexts.serverParameters(tls.context(), ClientAuth.NONE));
    }

    private static ServerTls load(BrokerConfig.HttpTls t, DataDirLayout layout) throws IOException {
        Path cert = t.generated() ? layout.tlsServerCertFile() : Path.of(t.certFile());
        Path key = t.generated() ? layout.tlsServerKeyFile() : Path.of(t.keyFile());
        return ServerTls.load(cert, key, null, ClientAuth.NONE, ServerTls.DEFAULT_HANDSHAKE_TIMEOUT);
    }

    private static boolean sameFiles(BrokerConfig.HttpTls a, BrokerConfig.HttpTls b) {
        return a.generated() == b.generated() && a.certFile().equals(b.certFile()) && a.keyFile().equals(b.keyFile());
    }

    private static String host(String addr) {
        return addr.substring(0, addr.lastIndexOf(':'));
    }
}
