package flymq.telemetry;

import java.util.Optional;

/**
 * Read-only HTTP resources of other parts of the node (the broker's schema registry), served on the metrics listener
 * beside {@code /metrics}. Telemetry knows nothing of what they show: it hands every {@code GET} it does not serve
 * itself to the views added with {@link Telemetry#addView}, in order, and answers 404 when none takes it.
 *
 * <p>Only JDK types cross this seam, so a view can move to another HTTP server (an admin API) unchanged.
 */
@FunctionalInterface
public interface HttpView {

    /**
     * The answer to {@code GET path} (the raw, still percent-encoded path, without the query), or empty when the
     * path is not this view's. Called on an HTTP worker thread; must not block for long.
     */
    Optional<Answer> get(String path);

    /** A complete answer: HTTP status, content type and body. */
    record Answer(int status, String contentType, String body) {
    }
}
