package flymq.broker.server;

import flymq.broker.BrokerConfig;

/**
 * What the client port admits: at most {@code maxConnections} open connections, at most
 * {@code maxConnectionsPerIp} of them from one remote address (a connection beyond either is closed as soon as it
 * is accepted, before a byte is read), and at most {@code maxInflightRequestBytes} of buffers holding requests
 * being read or served, over all connections (beyond it reading pauses; see {@link RequestMemory}).
 */
public record ConnectionLimits(int maxConnections, int maxConnectionsPerIp, long maxInflightRequestBytes) {
    /** The defaults of the configuration keys. */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(BrokerConfig.DEFAULT_MAX_CONNECTIONS,
            BrokerConfig.DEFAULT_MAX_CONNECTIONS_PER_IP, BrokerConfig.DEFAULT_MAX_INFLIGHT_REQUEST_BYTES);

    public ConnectionLimits {
        if (maxConnections < 1 || maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("connection limits must be >= 1, got max " + maxConnections
                    + ", per ip " + maxConnectionsPerIp);
        }
        if (maxInflightRequestBytes < BrokerConfig.MIN_INFLIGHT_REQUEST_BYTES) {
            throw new IllegalArgumentException("the in-flight request budget must be at least "
                    + BrokerConfig.MIN_INFLIGHT_REQUEST_BYTES + " bytes, got " + maxInflightRequestBytes);
        }
    }
}
