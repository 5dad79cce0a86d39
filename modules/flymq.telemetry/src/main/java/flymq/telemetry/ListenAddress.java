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
}
