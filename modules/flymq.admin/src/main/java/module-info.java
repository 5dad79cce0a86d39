/**
 * The admin REST API ({@code /api/v1/...}) and the web console ({@code /ui/}), served by one Helidon SE WebServer on
 * {@code observability.admin.addr}. Knows nothing of the broker: it reads and changes broker state only through
 * {@link flymq.admin.AdminBackend}, which the broker implements, and asks an {@link flymq.admin.Authenticator} who
 * the caller is.
 */
module flymq.admin {
    requires io.helidon.webserver;
    requires io.helidon.http;
    requires io.helidon.common.media.type;
    requires io.helidon.common.uri;
    requires io.helidon.common.parameters;
    requires io.helidon.common;
    requires io.helidon.common.tls;
    requires com.fasterxml.jackson.databind;

    exports flymq.admin;
}
