package flymq.telemetry;

/**
 * A listen address as written in configuration: {@code host:port}, {@code :port} (all interfaces) or
 * {@code [v6]:port}. Port 0 asks for an ephemeral port.
 */
record ListenAddress(String host, int port) {

    static ListenAddress parse(String key, String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(key + ": expected host:port or :port, found '" + text + "'");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": port is not a number in '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(key + ": port " + port + " outside 0..65535 in '" + text + "'");
        }
        return new ListenAddress(host, port);
    }

    /**
     * Binds this address once and lets it go, so that a port in use (or an address this host does not have) fails
     * with the system's reason before a server is built on it. Port 0 is always free.
     *
     * @throws IllegalStateException {@code cannot listen on KEY HOST:PORT: REASON}
     */
    void requireFree(String key) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException | IllegalArgumentException | SecurityException e) {
            throw new IllegalStateException("cannot listen on " + key + " " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }
}
