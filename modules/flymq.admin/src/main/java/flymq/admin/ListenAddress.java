package flymq.admin;

/** {@code host:port}, {@code :port} (all interfaces) or {@code [v6]:port}, as the other listeners read it. */
record ListenAddress(String host, int port) {
    private static final String KEY = "observability.admin.addr";

    static ListenAddress parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(KEY + ": expected host:port or :port, found '" + text + "'");
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
            throw new IllegalArgumentException(KEY + ": port is not a number in '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(KEY + ": port " + port + " outside 0..65535 in '" + text + "'");
        }
        return new ListenAddress(host, port);
    }

    /** Binds once and lets go, so a port in use fails with the system's reason before Helidon logs a trace. */
    void requireFree() {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException | IllegalArgumentException | SecurityException e) {
            throw new IllegalStateException("cannot listen on " + KEY + " " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }
}
