package flymq.cli.top;

import flymq.cli.CliException;
import flymq.cli.DurationConverter;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.http.HttpEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq top`: a live full-screen view of the broker, fed by its /metrics endpoint. */
@Command(name = "top",
        header = "Watch the broker live: rates per topic, lag per group, p99 latency, connections.",
        description = {
            "",
            "Scrapes --metrics-url every second and redraws the terminal: produce and consume records/s and "
                    + "bytes/s per topic (differences of the counters between two scrapes), lag and members per "
                    + "consumer group, p99 produce and consume latency over the last interval, active connections "
                    + "and uptime. If the endpoint stops answering, the error is shown and the view keeps trying. "
                    + "Press @|bold q|@ to quit.",
            ""},
        mixinStandardHelpOptions = true)
public final class TopCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Time between refreshes (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "0",
            description = "Stop after N screens (0: run until q).")
    int frames;

    @Override
    public Integer call() throws Exception {
        var g = FlyMq.globals(spec);
        if (interval.isZero() || interval.isNegative()) {
            throw new CliException(ExitCode.USAGE, "--interval must be positive, got " + interval);
        }
        var endpoint = new HttpEndpoint("the metrics endpoint", g.tls());
        var url = g.metricsUrl();
        // Fail fast (exit 3) when nothing answers at start; once running, errors are shown on screen.
        var first = endpoint.get(url);
        if (!first.ok()) {
            throw CliException.failed("the metrics endpoint " + url + " answered HTTP " + first.status());
        }
        try (var terminal = TerminalBuilder.builder().name("flymq top").system(true).build()) {
            new Top(terminal, scraper(endpoint, url), url.toString(), interval).run(frames);
        }
        return ExitCode.OK;
    }

    /** Fetches the /metrics text at each tick; an answer other than 2xx becomes the error shown on screen. */
    static Supplier<String> scraper(HttpEndpoint endpoint, URI url) {
        return () -> {
            var answer = endpoint.get(url);
            if (!answer.ok()) {
                throw new IllegalStateException(url + " answered HTTP " + answer.status());
            }
            return answer.body();
        };
    }
}
