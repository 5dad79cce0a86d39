package flymq.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A loopback HTTP server on an ephemeral port standing in for the broker's Helidon endpoints. Each path answers
 * with a status and body chosen per request number (1, 2, ...), so a test can make /health turn healthy on
 * the third poll.
 */
public final class StubHttp implements AutoCloseable {
    /** A status code and body. */
    public record Reply(int status, String contentType, String body) {
        public static Reply json(int status, String body) {
            return new Reply(status, "application/json", body);
        }

        public static Reply text(int status, String body) {
            return new Reply(status, "text/plain; version=0.0.4; charset=utf-8", body);
        }
    }

    private final HttpServer server;

    public StubHttp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start();
    }

    public StubHttp serve(String path, IntFunction<Reply> byRequestNumber) {
        var count = new AtomicInteger();
        server.createContext(path, exchange -> {
            var reply = byRequestNumber.apply(count.incrementAndGet());
            var bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", reply.contentType());
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            try (var out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        return this;
    }

    public StubHttp serve(String path, Reply reply) {
        return serve(path, n -> reply);
    }

    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** A port on which nothing listens (bound, then released). */
    public static int closedPort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A realistic scrape of a broker with topic orders and group billing, in Prometheus text format. */
    public static String scrape(long produced, long consumed, long lag, long latencyCount) {
        return """
                # HELP flymq_server_uptime_seconds Server uptime in seconds
                # TYPE flymq_server_uptime_seconds gauge
                flymq_server_uptime_seconds 3725.0
                # HELP flymq_server_connections_active Current active client connections
                # TYPE flymq_server_connections_active gauge
                flymq_server_connections_active 4.0
                # HELP flymq_server_connections_total Total connections since startup
                # TYPE flymq_server_connections_total counter
                flymq_server_connections_total 17.0
                # HELP flymq_messages_produced_total Total messages produced
                # TYPE flymq_messages_produced_total counter
                flymq_messages_produced_total{topic="orders"} %d.0
                flymq_messages_produced_total{topic="payments"} 10.0
                # HELP flymq_messages_consumed_total Total messages consumed
                # TYPE flymq_messages_consumed_total counter
                flymq_messages_consumed_total{group="billing",topic="orders"} %d.0
                # HELP flymq_messages_bytes_produced_total Total bytes produced
                # TYPE flymq_messages_bytes_produced_total counter
                flymq_messages_bytes_produced_total{topic="orders"} %d.0
                # HELP flymq_produce_latency_seconds Produce latency distribution
                # TYPE flymq_produce_latency_seconds histogram
                flymq_produce_latency_seconds_bucket{topic="orders",le="5.0E-5"} 0.0
                flymq_produce_latency_seconds_bucket{topic="orders",le="1.0E-4"} %d.0
                flymq_produce_latency_seconds_bucket{topic="orders",le="0.001"} %d.0
                flymq_produce_latency_seconds_bucket{topic="orders",le="+Inf"} %d.0
                flymq_produce_latency_seconds_sum{topic="orders"} 0.05
                flymq_produce_latency_seconds_count{topic="orders"} %d.0
                # HELP flymq_consumer_group_lag Consumer lag
                # TYPE flymq_consumer_group_lag gauge
                flymq_consumer_group_lag{group="billing",partition="0",topic="orders"} %d.0
                flymq_consumer_group_lag{group="billing",partition="1",topic="orders"} 2.0
                # HELP flymq_consumer_group_members Active group members
                # TYPE flymq_consumer_group_members gauge
                flymq_consumer_group_members{group="billing"} 2.0
                # HELP flymq_topic_partitions Number of partitions
                # TYPE flymq_topic_partitions gauge
                flymq_topic_partitions{topic="orders"} 2.0
                flymq_topic_partitions{topic="payments"} 1.0
                # EOF
                """.formatted(produced, consumed, produced * 100, latencyCount / 2, latencyCount, latencyCount,
                latencyCount, lag);
    }
}
