package flymq.cli.audit;

import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.protocol.message.AuditQueryRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine.Option;

/** The filter options that audit query and audit export share (a Picocli mixin). */
public final class AuditFilter {
    @Option(names = "--since", paramLabel = "TIME", description = "Events at or after this ISO-8601 instant.")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Events at or before this ISO-8601 instant.")
    String until;

    @Option(names = "--type", paramLabel = "TYPE", split = ",",
            description = "Only these event types, e.g. auth.failure,access.denied (repeatable).")
    List<String> types = List.of();

    // --user is the global login option, so the event's user has a name of its own
    @Option(names = "--event-user", paramLabel = "USER", description = "Only events of this user.")
    String user = "";

    @Option(names = "--resource", paramLabel = "NAME", description = "Only events about this topic or user.")
    String resource = "";

    @Option(names = "--result", paramLabel = "RESULT", description = "success, failure or denied.")
    String result = "";

    @Option(names = "--search", paramLabel = "TEXT", description = "Only events containing TEXT (any case).")
    String search = "";

    AuditQueryRequest request(int limit, int offset) {
        return new AuditQueryRequest(seconds(since, "--since"), seconds(until, "--until"), types, user, resource,
                result, search, limit, offset);
    }

    private static long seconds(String instant, String option) {
        if (instant == null || instant.isEmpty()) {
            return 0;
        }
        try {
            return Instant.parse(instant).getEpochSecond();
        } catch (DateTimeParseException e) {
            throw new CliException(ExitCode.USAGE, "bad " + option + " '" + instant + "': expected an ISO-8601 "
                    + "instant such as 2026-12-01T00:00:00Z");
        }
    }
}
