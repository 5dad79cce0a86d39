package flymq.cli.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.cli.ExitCode;
import flymq.cli.TestBroker;
import flymq.cli.TestTerminal;
import flymq.cli.http.HttpEndpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `flymq top` on a JLine test terminal, scraping a live in-process broker's /metrics while records arrive. */
class TopLiveTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** A topic row whose produce rate is above zero: name, PRODUCE/s, CONSUME/s. */
    private static final Pattern PRODUCING = Pattern.compile("(?m)^live\\s+([1-9][0-9.]*k?|0\\.[0-9]*[1-9])\\s+\\S+");
    /** The group row: name, topics, members, lag. */
    private static final Pattern LAGGING = Pattern.compile("(?m)^watchers\\s+live\\s+\\d+\\s+(\\d+)\\s*$");

    @TempDir
    Path dir;

    @Test
    void showsTheLiveProduceRateAndGroupLagThenQuitsOnQ() throws Exception {
        try (var broker = TestBroker.start(dir)) {
            assertEquals(ExitCode.OK, broker.run("topic", "create", "live").code());
            for (int i = 0; i < 5; i++) {
                broker.run("produce", "live", "r" + i);
            }
            // the group reads one record and commits offset 1: everything after it is lag
            var read = broker.run("consume", "live", "--group", "watchers", "--max", "1");
            assertEquals("r0\n", read.out(), read.toString());

            var producing = new AtomicBoolean(true);
            var produced = new AtomicLong(5);
            var producer = Thread.ofPlatform().name("live-producer").start(() -> {
                try (var client = FlyMqClient.connect(broker.server())) {
                    while (producing.get()) {
                        client.produce("live", "more".getBytes(StandardCharsets.UTF_8));
                        produced.incrementAndGet();
                        LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
                    }
                }
            });
            try (var tt = new TestTerminal()) {
                var url = broker.metricsUrl();
                var top = new Top(tt.terminal(), TopCommand.scraper(new HttpEndpoint("the metrics endpoint"), url),
                        url.toString(), Duration.ofMillis(250));
                var view = Thread.ofPlatform().start(() -> {
                    try {
                        top.run(0);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                tt.await("flymq top - " + url, WAIT);
                var rate = awaitMatch(tt, PRODUCING);
                var lag = awaitMatch(tt, LAGGING);
                tt.type("q");
                view.join(WAIT.toMillis());
                assertFalse(view.isAlive(), "top did not quit on q");
                assertTrue(Long.parseLong(lag.group(1)) >= 4,
                        "lag " + lag.group(1) + " is below the 4 records produced after the commit:\n" + lag.group());
                assertTrue(rate.group().startsWith("live"), rate.group());
            } finally {
                producing.set(false);
                producer.join(WAIT.toMillis());
            }
            assertTrue(produced.get() > 5, "the producer thread wrote nothing");
        }
    }

    private static Matcher awaitMatch(TestTerminal tt, Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            var m = pattern.matcher(tt.screenText());
            if (m.find()) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("screen never matched " + pattern + "; it shows:\n" + tt.screenText());
            }
            Thread.sleep(20);
        }
    }
}
