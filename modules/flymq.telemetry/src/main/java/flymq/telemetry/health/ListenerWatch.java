package flymq.telemetry.health;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * Serves no route; registered on a listener's routing, it hears that listener stop. Helidon stops a single listener
 * when its accept loop catches a {@code Throwable} (an {@code OutOfMemoryError}, say): it logs the error, closes
 * the socket and carries on without it, so the process would go on half-alive with no health or metrics port. The
 * watch reports such a stop ({@code lost}, once) unless the whole telemetry is closing.
 */
public final class ListenerWatch implements HttpService {
    private final String description;
    private final BooleanSupplier closing;
    private final Consumer<String> lost;
    private boolean reported;

    /**
     * @param description the listener, as the report names it: {@code health listener on 127.0.0.1:9095}
     * @param closing     true once a deliberate stop has begun (then a stop is not reported)
     * @param lost        told {@code "<description> stopped"} when the listener stops on its own
     */
    public ListenerWatch(String description, BooleanSupplier closing, Consumer<String> lost) {
        this.description = description;
        this.closing = closing;
        this.lost = lost;
    }

    @Override
    public void routing(HttpRules rules) {
        // no routes: the watch only takes part in the listener's lifecycle
    }

    @Override
    public void afterStop() {
        synchronized (this) {
            if (reported || closing.getAsBoolean()) {
                return;
            }
            reported = true;
        }
        lost.accept(description + " stopped");
    }
}
