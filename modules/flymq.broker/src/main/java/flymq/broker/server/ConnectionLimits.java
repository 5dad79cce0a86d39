package flymq.broker.server;

import flymq.broker.BrokerConfig;

/**
 * What the client port admits: at most {@code maxConnections} open connections, at most
 * {@code maxConnectionsPerIp} of them from one remote address. A connection beyond either is closed as soon as it
 * is accepted, before a byte is read (see {@link ProtocolServer}).
 */
public record ConnectionLimits(int maxConnections, int maxConnectionsPerIp) {
    /** The defaults of the configuration keys. */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(BrokerConfig.DEFAULT_MAX_CONNECTIONS,
            BrokerConfig.DEFAULT_MAX_CONNECTIONS_PER_IP);

    public ConnectionLimits {
        if (maxConnections < 1 || maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("connection limits must be >= 1, got max " + maxConnections
                    + ", per ip " + maxConnectionsPerIp);
        }
    }
}
