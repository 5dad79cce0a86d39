package flymq.client;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Parses a bootstrap list {@code host:port[,host:port...]}; IPv6 literals go in brackets ({@code [::1]:9092}). */
final class BootstrapServers {
    private BootstrapServers() {
    }

    static List<InetSocketAddress> parse(String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("bootstrap server list is empty (expected host:port[,host:port...])");
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : list.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("bootstrap server '" + entry + "' is not host:port");
            }
            String host = entry.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bootstrap server '" + entry + "' has a non-numeric port");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("bootstrap server '" + entry + "' has port " + port
                        + " outside 1-65535");
            }
            out.add(InetSocketAddress.createUnresolved(host, port));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("bootstrap server list '" + list + "' names no server");
        }
        return List.copyOf(out);
    }
}
