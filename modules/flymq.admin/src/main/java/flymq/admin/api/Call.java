package flymq.admin.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import flymq.admin.AdminException;
import flymq.admin.Authenticator.Principal;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/** One request being served: its path parameters, query, body and caller, and the ways to answer it. */
public final class Call {
    private final ServerRequest request;
    private final ServerResponse response;
    private final Map<String, String> params;
    private final Principal principal;

    Call(ServerRequest request, ServerResponse response, Map<String, String> params, Principal principal) {
        this.request = request;
        this.response = response;
        this.params = params;
        this.principal = principal;
    }

    public ServerRequest request() {
        return request;
    }

    public ServerResponse response() {
        return response;
    }

    public Principal principal() {
        return principal;
    }

    /** A path parameter of the route's template. */
    public String param(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no path parameter " + name);
        }
        return v;
    }

    /** An int path parameter; 400 when it is not one. */
    public int intParam(String name) {
        String v = param(name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw AdminException.badRequest(name + " must be an integer, found '" + v + "'");
        }
    }

    public Optional<String> query(String name) {
        return request.query().first(name).asOptional().filter(s -> !s.isEmpty());
    }

    /** A long query parameter within [min, max], or {@code dflt} when absent; 400 when malformed or outside. */
    public long longQuery(String name, long dflt, long min, long max) {
        Optional<String> v = query(name);
        if (v.isEmpty()) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.get());
        } catch (NumberFormatException e) {
            throw AdminException.badRequest("query parameter " + name + " must be an integer, found '" + v.get()
                    + "'");
        }
        if (n < min || n > max) {
            throw AdminException.badRequest("query parameter " + name + " must be in " + min + ".." + max
                    + ", found " + n);
        }
        return n;
    }

    public Optional<String> header(String name) {
        return request.headers().first(HeaderNames.create(name));
    }

    /**
     * The JSON request body; 415 unless sent as {@code application/json}, 400 when it is missing or not a JSON
     * object. Requiring the media type is what keeps other sites' pages from writing: a browser sends a form or a
     * {@code text/plain} POST to any origin without asking, but a JSON one only after a CORS preflight, which this
     * API refuses unless the origin is configured.
     */
    public JsonNode body() {
        String type = request.headers().contentType().map(t -> t.mediaType().text()).orElse("");
        if (!type.equalsIgnoreCase("application/json")) {
            throw new AdminException(415, "unsupported_media_type", "send the body as Content-Type: "
                    + "application/json" + (type.isEmpty() ? "" : " (found " + type + ")"));
        }
        String text = request.content().hasEntity() ? request.content().as(String.class) : "";
        if (text.isBlank()) {
            throw AdminException.badRequest("a JSON object is required as the request body");
        }
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            if (node == null || !node.isObject()) {
                throw AdminException.badRequest("the request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw AdminException.badRequest("the request body is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Answers {@code status} with {@code body} as JSON. */
    public void json(int status, Object body) {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        response.status(status);
        response.headers().contentType(MediaTypes.APPLICATION_JSON);
        response.send(bytes);
    }

    public void ok(Object body) {
        json(200, body);
    }

    public void noContent() {
        response.status(204);
        response.send();
    }

    public void header(String name, String value) {
        response.header(name, value);
    }
}
