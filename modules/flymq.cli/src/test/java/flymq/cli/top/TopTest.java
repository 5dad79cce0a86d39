package flymq.cli.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.StubHttp;
import flymq.cli.TestTerminal;
import flymq.cli.metrics.Exposition;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TopTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void showsRatesLagLatencyAndConnectionsThenQuitsOnQ() throws Exception {
        var scrapes = new AtomicInteger();
        try (var tt = new TestTerminal()) {
            var top = new Top(tt.terminal(), () -> {
                int n = scrapes.incrementAndGet();
                return StubHttp.scrape(1000L * n, 400L * n, 5, 200L * n);
            }, "http://broker:9094/metrics", Duration.ofMillis(50));
            var thread = Thread.ofPlatform().start(() -> {
                try {
                    top.run(0);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            tt.await("flymq top - http://broker:9094/metrics", WAIT);
            while (scrapes.get() < 3) {
                Thread.sleep(10);
            }
            tt.type("q");
            thread.join(WAIT.toMillis());
            assertFalse(thread.isAlive(), "top did not quit on q");
            var screen = tt.screenText();
            assertTrue(screen.contains("connections: 4"), screen);
            assertTrue(screen.contains("uptime: 1h2m5s"), screen);
            assertTrue(screen.matches("(?s).*orders\\s+[1-9][0-9.]*k?\\s+[1-9][0-9.]*k?.*"), screen);
            assertTrue(screen.matches("(?s).*billing\\s+orders\\s+2\\s+7\\b.*"), screen);
            assertTrue(screen.contains("latency p99: produce 0.98 ms"), screen);
            assertTrue(screen.contains("q quit"), screen);
        }
    }

    @Test
    void aFailedScrapeIsShownAndTheViewKeepsRunning() throws Exception {
        var scrapes = new AtomicInteger();
        try (var tt = new TestTerminal()) {
            var top = new Top(tt.terminal(), () -> {
                if (scrapes.incrementAndGet() == 2) {
                    throw new IllegalStateException("broker went away");
                }
                return StubHttp.scrape(10, 0, 0, 0);
            }, "x", Duration.ofMillis(20));
            var thread = Thread.ofPlatform().start(() -> {
                try {
                    top.run(0);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            tt.await("! broker went away", WAIT);
            while (scrapes.get() < 4) {
                Thread.sleep(10);
            }
            tt.type("q");
            thread.join(WAIT.toMillis());
            assertFalse(thread.isAlive());
        }
    }

    @Test
    void ratesAreCounterDifferencesOverTheInterval() {
        var before = Exposition.parse(StubHttp.scrape(1000, 400, 5, 200));
        var after = Exposition.parse(StubHttp.scrape(3000, 900, 5, 400));
        var s = TopSnapshot.between(before, after, 2.0);
        var orders = s.topics().stream().filter(t -> t.topic().equals("orders")).findFirst().orElseThrow();
        assertEquals(1000.0, orders.produceRate());
        assertEquals(250.0, orders.consumeRate());
        assertEquals(100_000.0, orders.produceBytesRate());
        var payments = s.topics().stream().filter(t -> t.topic().equals("payments")).findFirst().orElseThrow();
        assertEquals(0.0, payments.produceRate());
        assertEquals(7.0, s.groups().getFirst().lag());
    }

    @Test
    void latencyIsTheP99OfTheLastIntervalOnly() {
        var before = Exposition.parse(StubHttp.scrape(1, 1, 0, 200));
        var same = Exposition.parse(StubHttp.scrape(1, 1, 0, 200));
        assertTrue(Double.isNaN(TopSnapshot.between(before, same, 1).produceP99()), "nothing new was produced");
        assertEquals(0.000982, TopSnapshot.between(null, same, 0).produceP99(), 1e-9);
    }

    @Test
    void topExitsThreeWhenTheMetricsEndpointIsDownAtStart() throws Exception {
        var r = Cli.run("top", "--metrics-url", "http://127.0.0.1:" + StubHttp.closedPort() + "/metrics");
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
    }
}
