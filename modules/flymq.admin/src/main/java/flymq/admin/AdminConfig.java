package flymq.admin;

import java.util.List;
import java.util.Objects;

/**
 * Where the admin API listens and whom browsers of other origins may let call it.
 *
 * @param addr        {@code host:port} or {@code :port} ({@code observability.admin.addr}; port 0 = ephemeral)
 * @param corsOrigins origins ({@code https://ops.example.com}) answered with CORS headers; empty = CORS off, so a
 *                    page of another origin cannot read the API's answers
 * @param version     the broker version reported by {@code /api/v1/cluster}
 * @param tls         HTTPS ({@code observability.admin.tls_*}), or null for plain HTTP
 */
public record AdminConfig(String addr, List<String> corsOrigins, String version, AdminTls tls) {
    public static final String DEFAULT_ADDR = "127.0.0.1:9096";

    public AdminConfig {
        Objects.requireNonNull(addr, "observability.admin.addr");
        corsOrigins = List.copyOf(corsOrigins);
        Objects.requireNonNull(version, "version");
        ListenAddress.parse(addr);
    }

    /** Plain HTTP. */
    public AdminConfig(String addr, List<String> corsOrigins, String version) {
        this(addr, corsOrigins, version, null);
    }
}
