package flymq.admin.api;

import flymq.admin.Authenticator.Access;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One operation of the API: verb, path template ({@code /api/v1/topics/{name}}), who may call it, what it does and
 * how it is documented. The router dispatches on these and the OpenAPI document is written from them, so a route
 * cannot exist without its documentation.
 *
 * @param access   null for an open route (health, the API document, the console's files)
 * @param doc      its OpenAPI description
 */
public record Route(String method, String template, Access access, Doc doc, Handler handler) {

    /** Serves one call. */
    @FunctionalInterface
    public interface Handler {
        void handle(Call call) throws Exception;
    }

    /**
     * @param tag        group in the document (Cluster, Topics, ...)
     * @param query      query parameters: name to description
     * @param body       schema of the JSON request body, or null
     * @param responses  status to {@code schema name} (null = no body) and description, in document order
     * @param mediaType  of the success response body
     */
    public record Doc(String tag, String summary, Map<String, String> query, String body, List<Response> responses,
                      String mediaType) {
        public Doc {
            query = Map.copyOf(query);
            responses = List.copyOf(responses);
        }
    }

    /** A documented answer. */
    public record Response(int status, String schema, String description) {
    }

    /** The path parameter names of the template, in order. */
    public List<String> pathParameters() {
        List<String> names = new ArrayList<>();
        for (String segment : segments(template)) {
            if (segment.startsWith("{")) {
                names.add(segment.substring(1, segment.length() - 1));
            }
        }
        return names;
    }

    /** The template's segments: {@code /api/v1/topics/{name}} gives api, v1, topics, {name}. */
    static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Path parameters of {@code path} when it fits this template, else null. */
    Map<String, String> match(List<String> path) {
        List<String> t = segments(template);
        if (t.size() != path.size()) {
            return null;
        }
        Map<String, String> params = new java.util.LinkedHashMap<>();
        for (int i = 0; i < t.size(); i++) {
            String want = t.get(i);
            if (want.startsWith("{")) {
                params.put(want.substring(1, want.length() - 1), path.get(i));
            } else if (!want.equals(path.get(i))) {
                return null;
            }
        }
        return params;
    }
}
