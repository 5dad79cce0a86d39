package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlyMqTest {

    @Test
    void versionNamesTheBuiltVersion() {
        var r = Cli.run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().matches("flymq \\d+\\.\\d+\\.\\d+.*\\R"), r.out());
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        var r = Cli.run("--help");
        assertEquals(0, r.code(), r.toString());
        for (var word : new String[] {"health", "metrics", "shell", "top", "completion", "--server", "--output",
                "--metrics-url", "--health-url", "--verbose", "Exit codes", "FLYMQ_SERVER"}) {
            assertTrue(r.out().contains(word), word + " missing from\n" + r.out());
        }
    }

    @Test
    void aCommandStartBuildsOnlyTheTopLevelCommandItRuns() {
        assertEquals(java.util.Set.of("topic"), FlyMq.commandLine("topic", "list").getSubcommands().keySet());
        assertEquals(java.util.Set.of("health"), FlyMq.commandLine("--server", "h:1", "-o", "json", "--verbose",
                "health", "check").getSubcommands().keySet());
        assertEquals(java.util.Set.of("group"), FlyMq.commandLine("--output=json", "group", "lag", "g")
                .getSubcommands().keySet());
        assertEquals(java.util.Set.of("consume"), FlyMq.commandLine("--", "consume", "t").getSubcommands().keySet());
    }

    @Test
    void helpShellCompletionAndUnknownWordsGetTheWholeTree() {
        var whole = FlyMq.commandLine().getSubcommands().keySet();
        assertEquals(FlyMq.COMMANDS.size() + 1, whole.size(), whole.toString()); // + help
        for (var args : java.util.List.of(new String[] {}, new String[] {"--help"}, new String[] {"help", "topic"},
                new String[] {"shell"}, new String[] {"completion", "bash"}, new String[] {"tpoic", "list"})) {
            assertEquals(whole, FlyMq.commandLine(args).getSubcommands().keySet(), String.join(" ", args));
        }
    }

    @Test
    void unknownOptionIsAUsageErrorOnOneLineWithAHint() {
        var r = Cli.run("--no-such-flag");
        assertEquals(ExitCode.USAGE, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("flymq: Unknown option: '--no-such-flag'"), r.err());
        assertTrue(r.err().contains("--help"), r.err());
    }

    @Test
    void misspelledCommandIsAUsageErrorWithASuggestion() {
        var r = Cli.run("helth", "live");
        assertEquals(ExitCode.USAGE, r.code());
        assertTrue(r.err().contains("health"), r.err());
    }

    @Test
    void badOutputFormatIsAUsageError() {
        var r = Cli.run("metrics", "--output", "yaml");
        assertEquals(ExitCode.USAGE, r.code());
        assertTrue(r.err().contains("--output"), r.err());
    }

    @Test
    void globalOptionsWorkAfterTheSubcommandName() throws Exception {
        try (var stub = new StubHttp().serve("/live", StubHttp.Reply.text(200, "ok"))) {
            var r = Cli.run("health", "live", "--health-url", stub.base(), "-o", "json");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().startsWith("{\"url\":\"" + stub.base() + "/live\""), r.out());
        }
    }

    @Test
    void globalOptionsWorkBeforeTheSubcommandName() throws Exception {
        try (var stub = new StubHttp().serve("/live", StubHttp.Reply.text(200, "ok"))) {
            var r = Cli.run("--health-url", stub.base(), "--output", "JSON", "health", "live");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("\"live\":true"), r.out());
        }
    }

    @Test
    void serverListIsSplitAndValidated() {
        var g = new Globals("a:1, b:9092", null, null, null, false, null, null);
        assertEquals(java.util.List.of("a:1", "b:9092"), g.servers());
        var bad = new Globals("localhost", null, null, null, false, null, null);
        var e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class, bad::servers);
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("host:port"), e.getMessage());
    }

    @Test
    void failureWithoutVerbosePrintsNoStackTrace() throws Exception {
        var r = Cli.run("health", "live", "--health-url", "http://127.0.0.1:" + StubHttp.closedPort());
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void failureWithVerbosePrintsTheStackTrace() throws Exception {
        var r = Cli.run("health", "live", "--verbose", "--health-url", "http://127.0.0.1:" + StubHttp.closedPort());
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertEquals(java.time.Duration.ofMillis(500), DurationConverter.parse("500ms"));
        assertEquals(java.time.Duration.ofSeconds(10), DurationConverter.parse("10s"));
        assertEquals(java.time.Duration.ofSeconds(10), DurationConverter.parse("10"));
        assertEquals(java.time.Duration.ofMinutes(90), DurationConverter.parse("1h30m"));
        assertEquals(java.time.Duration.ofSeconds(3), DurationConverter.parse("PT3S"));
        org.junit.jupiter.api.Assertions.assertThrows(picocli.CommandLine.TypeConversionException.class,
                () -> DurationConverter.parse("10 parsecs"));
    }

    @Test
    void badWaitDurationIsAUsageError() {
        var r = Cli.run("health", "check", "--wait", "soon");
        assertEquals(ExitCode.USAGE, r.code());
        assertTrue(r.err().contains("'soon' is not a duration"), r.err());
    }
}
