package flymq.broker.node;

import flymq.broker.BrokerConfig;
import flymq.broker.DataDirLayout;
import flymq.broker.server.ProtocolServer.Endpoint;
import flymq.broker.tls.DevTls;
import flymq.broker.tls.ServerTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** How {@code security.tls_*} turns into the client port's listeners and their TLS. */
final class ClientTlsSetup {
    private ClientTlsSetup() {
    }

    /** The client port's TLS, or null when it is off; makes the development certificate first when asked to. */
    static ServerTls serverTls(BrokerConfig config, DataDirLayout layout) {
        BrokerConfig.Tls t = config.tls();
        if (!t.enabled()) {
            return null;
        }
        Path cert;
        Path key;
        try {
            if (t.usesGeneratedCertificate()) {
                List<String> names = new ArrayList<>();
                names.add(config.bindHost());
                if (t.separateListener()) {
                    names.add(config.tlsHost());
                }
                if (!config.advertisedAddr().isEmpty()) {
                    names.add(config.advertisedAddr().substring(0, config.advertisedAddr().lastIndexOf(':')));
                }
                DevTls.ensure(layout, names);
                cert = layout.tlsServerCertFile();
                key = layout.tlsServerKeyFile();
            } else {
                cert = Path.of(t.certFile());
                key = Path.of(t.keyFile());
            }
            return ServerTls.load(cert, key, t.caFile().isEmpty() ? null : Path.of(t.caFile()), t.clientAuth(),
                    Duration.ofMillis(t.handshakeTimeoutMs()));
        } catch (IOException e) {
            throw new UncheckedIOException("TLS (security.tls_*): " + e.getMessage(), e);
        }
    }

    /** Plaintext and/or TLS listeners: TLS on bind_addr, or plaintext there and TLS on tls_addr. */
    static List<Endpoint> endpoints(BrokerConfig config, ServerTls tls) {
        if (tls == null) {
            return List.of(Endpoint.plaintext(config.bindHost(), config.bindPort()));
        }
        if (!config.tls().separateListener()) {
            return List.of(new Endpoint(config.bindHost(), config.bindPort(), tls));
        }
        return List.of(Endpoint.plaintext(config.bindHost(), config.bindPort()),
                new Endpoint(config.tlsHost(), config.tlsPort(), tls));
    }

    static String describeListeners(BrokerConfig config) {
        String bind = "bind_addr " + (config.bindHost().isEmpty() ? "*" : config.bindHost()) + ":" + config.bindPort();
        return config.tls().separateListener() ? bind + " or security.tls_addr " + config.tls().addr() : bind;
    }
}
