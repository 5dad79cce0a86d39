package flymq.admin.api;

import flymq.admin.AdminBackend;
import flymq.admin.AdminException;
import flymq.admin.Authenticator.Access;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/v1/events}: Server-Sent Events for the console, one {@code snapshot} event at once and then one
 * per interval (cluster, topics, groups, traffic totals), until the browser goes away or the server stops. Each
 * stream holds one of Helidon's virtual threads; at most {@link #MAX_STREAMS} are open at once (503 beyond), so a
 * forgotten tab cannot pile them up.
 */
public final class EventStream implements AutoCloseable {
    static final int MAX_STREAMS = 32;

    private final AdminBackend backend;
    private final long intervalMillis;
    private final AtomicInteger open = new AtomicInteger();
    private final Object tick = new Object();
    private volatile boolean closed;

    public EventStream(AdminBackend backend, long intervalMillis) {
        this.backend = backend;
        this.intervalMillis = intervalMillis;
    }

    /** The route, for {@link ApiRoutes#all}. */
    public Route route() {
        return new Route("GET", "/api/v1/events", Access.READ, new Route.Doc("Cluster",
                "Live snapshots for the console (Server-Sent Events, event name snapshot)", Map.of(), null,
                List.of(new Route.Response(200, "Snapshot", "a text/event-stream of snapshots")),
                "text/event-stream"), this::serve);
    }

    /** What one event carries. */
    Map<String, Object> snapshot() {
        return Json.obj("time", System.currentTimeMillis(),
                "nodes", backend.nodes().stream().map(n -> Json.obj("id", n.id(), "state", n.state(),
                        "raft_state", n.raftState(), "is_leader", n.isLeader())).toList(),
                "cluster", Json.obj("leader_id", backend.cluster().leaderId(), "ready", backend.cluster().ready()),
                "topics", backend.topics().stream().map(ApiRoutes::topic).toList(),
                "groups", backend.groups().stream().map(g -> Json.obj("name", g.name(), "topics", g.topics(),
                        "members", g.members(), "lag", g.lag())).toList(),
                "traffic", ApiRoutes.traffic(backend.traffic()));
    }

    private void serve(Call call) {
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            throw new AdminException(503, "unavailable", MAX_STREAMS + " event streams are open; close one");
        }
        try {
            call.response().status(200);
            call.response().header("Content-Type", "text/event-stream; charset=utf-8");
            call.response().header("Cache-Control", "no-cache");
            OutputStream out = call.response().outputStream();
            // tells EventSource how long to wait before it reconnects after a drop
            out.write(("retry: " + Math.max(1000, intervalMillis) + "\n\n").getBytes(StandardCharsets.UTF_8));
            while (!closed) {
                String data = Json.write(snapshot());
                out.write(("event: snapshot\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                synchronized (tick) {
                    if (!closed) {
                        tick.wait(intervalMillis);
                    }
                }
            }
            out.close();
        } catch (IOException | java.io.UncheckedIOException e) {
            // the browser went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Helidon reports a closed connection with its own unchecked exceptions
            if (!call.response().isSent()) {
                throw e;
            }
        } finally {
            open.decrementAndGet();
        }
    }

    /** Ends every open stream (before the server stops, so that its stop does not wait for them). */
    @Override
    public void close() {
        closed = true;
        synchronized (tick) {
            tick.notifyAll();
        }
    }
}
