package flymq.cli.health;

import flymq.cli.CliException;
import flymq.cli.DurationConverter;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.http.HttpEndpoint;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq health check`: the detailed health report, optionally waiting for the broker to become healthy. */
@Command(name = "check",
        header = "Show the broker's detailed health; optionally wait until it is healthy.",
        description = {
            "",
            "Fetches @|bold /health|@ and prints the overall status and each check (storage, cluster, memory). "
                    + "Healthy and degraded exit 0; unhealthy exits 1; no answer exits 3.",
            "",
            "With @|bold --wait|@ the command polls every 200 ms until the broker is healthy or the time runs out, "
                    + "which makes it the natural first line of a script that has just started a broker:",
            "",
            "  flymq server start & flymq health check --wait 30s && flymq topic create orders",
            ""},
        mixinStandardHelpOptions = true)
public final class HealthCheck implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(200);

    @Spec
    CommandSpec spec;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Keep polling until healthy or this much time has passed (e.g. 500ms, 10s, 2m).")
    Duration wait;

    @Override
    public Integer call() throws InterruptedException {
        var g = FlyMq.globals(spec);
        var uri = HttpEndpoint.resolve(g.healthUrl(), "/health");
        var endpoint = new HttpEndpoint("the health endpoint", g.tls());
        long deadline = System.nanoTime() + (wait == null ? 0 : wait.toNanos());
        while (true) {
            Outcome outcome = probe(endpoint, uri);
            boolean lastTry = wait == null || System.nanoTime() >= deadline;
            if (outcome.healthyNow() || lastTry) {
                if (outcome.failure != null) {
                    if (wait != null) {
                        throw new CliException(outcome.failure.exitCode(),
                                outcome.failure.getMessage() + " (waited " + wait.toMillis() + " ms)",
                                outcome.failure);
                    }
                    throw outcome.failure;
                }
                print(g, uri, outcome);
                return outcome.report.serving() ? ExitCode.OK : ExitCode.FAILED;
            }
            Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    /** One poll: an answer (report + HTTP status) or the failure to get one. */
    private record Outcome(HealthReport report, int status, CliException failure) {
        boolean healthyNow() {
            return report != null && report.status().equals("healthy");
        }
    }

    private static Outcome probe(HttpEndpoint endpoint, URI uri) {
        try {
            var answer = endpoint.get(uri);
            try {
                return new Outcome(HealthReport.parse(answer.body()), answer.status(), null);
            } catch (IllegalArgumentException e) {
                return new Outcome(null, answer.status(), CliException.failed("unexpected answer from " + uri
                        + " (HTTP " + answer.status() + "): " + e.getMessage() + "; is --health-url right?"));
            }
        } catch (CliException e) {
            return new Outcome(null, 0, e);
        }
    }

    private static void print(flymq.cli.Globals g, URI uri, Outcome o) {
        var r = o.report;
        if (g.json()) {
            g.out().println(Json.write(Json.object(
                    "url", uri.toString(),
                    "http_status", o.status,
                    "status", r.status(),
                    "healthy", r.serving(),
                    "uptime", r.uptime(),
                    "version", r.version(),
                    "checks", r.checks())));
        } else {
            var line = new StringBuilder("status: ").append(r.status());
            if (r.uptime() != null) {
                line.append("  uptime: ").append(r.uptime());
            }
            if (r.version() != null) {
                line.append("  version: ").append(r.version());
            }
            g.out().println(line);
            if (!r.checks().isEmpty()) {
                var table = Table.of("CHECK", "STATUS", "DETAILS");
                r.checks().forEach((name, fields) -> table.row(name, fields.getOrDefault("status", "-"),
                        details(fields)));
                table.print(g.out());
            }
        }
        g.out().flush();
    }

    private static String details(Map<String, Object> fields) {
        return fields.entrySet().stream()
                .filter(e -> !e.getKey().equals("status"))
                .map(e -> e.getKey() + "=" + (e.getValue() instanceof String s ? s : Json.write(e.getValue())))
                .collect(Collectors.joining(" "));
    }
}
