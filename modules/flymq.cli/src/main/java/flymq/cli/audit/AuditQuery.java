package flymq.cli.audit;

import flymq.cli.Brokers;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.time.Instant;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq audit query`. */
@Command(name = "query",
        header = "Show audit events.",
        description = {"", "Events of the broker connected to, oldest first, filtered by the options; --limit and "
                + "--offset page through them.", "", "Example:",
                "  flymq --user admin audit query --type auth.failure --since 2026-12-01T00:00:00Z", ""},
        mixinStandardHelpOptions = true)
public final class AuditQuery implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AuditFilter filter;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "At most N events (default ${DEFAULT-VALUE}, at most 10000).")
    int limit;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Skip the first N matches.")
    int offset;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        try (var client = Brokers.connect(g)) {
            var page = client.queryAudit(filter.request(limit, offset));
            if (g.json()) {
                g.out().println(Json.write(Json.object("total", page.total(), "has_more", page.hasMore(), "events",
                        page.events().stream().map(e -> Json.object("id", e.id(), "timestamp_ms", e.timestampMs(),
                                "type", e.type(), "user", e.user(), "client_ip", e.clientIp(), "resource",
                                e.resource(), "action", e.action(), "result", e.result(), "node_id", e.nodeId(),
                                "details", new TreeMap<>(e.details()))).toList())));
            } else {
                Table table = Table.of("TIME", "TYPE", "USER", "CLIENT", "RESOURCE", "ACTION", "RESULT");
                page.events().forEach(e -> table.row(Instant.ofEpochMilli(e.timestampMs()), e.type(), e.user(),
                        e.clientIp(), e.resource(), e.action(), e.result()));
                table.print(g.out());
                g.out().println(page.events().size() + " of " + page.total() + " matching events"
                        + (page.hasMore() ? " (more with --offset " + (offset + page.events().size()) + ")" : ""));
            }
            g.out().flush();
            return ExitCode.OK;
        }
    }
}
