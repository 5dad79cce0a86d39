package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** {@code --help} (and {@code -h}) after any command of the tree prints that command's usage and exits 0. */
class HelpEverywhereTest {

    /** Every command path of the whole tree, e.g. ["topic"], ["topic", "create"], ["bench", "produce"]. */
    static Stream<List<String>> everyCommand() {
        List<List<String>> paths = new ArrayList<>();
        collect(FlyMq.commandLine(), List.of(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> into) {
        for (var sub : cmd.getSubcommands().entrySet()) {
            if (!sub.getKey().equals(sub.getValue().getCommandName())) {
                continue; // an alias: the command is visited under its name
            }
            var p = new ArrayList<>(path);
            p.add(sub.getKey());
            into.add(List.copyOf(p));
            collect(sub.getValue(), p, into);
        }
    }

    @ParameterizedTest(name = "flymq {0} --help")
    @MethodSource("everyCommand")
    void longHelpPrintsTheCommandsUsageAndExitsZero(List<String> path) {
        assertHelp(path, "--help");
    }

    @ParameterizedTest(name = "flymq {0} -h")
    @MethodSource("everyCommand")
    void shortHelpPrintsTheCommandsUsageAndExitsZero(List<String> path) {
        assertHelp(path, "-h");
    }

    @org.junit.jupiter.api.Test
    void theTreeHasEveryGroupAndItsSubcommands() {
        var paths = everyCommand().map(p -> String.join(" ", p)).toList();
        for (var expected : List.of("server start", "topic create", "group reset", "cluster join", "health check",
                "bench produce", "completion")) {
            assertTrue(paths.contains(expected), expected + " missing from " + paths);
        }
    }

    private static void assertHelp(List<String> path, String flag) {
        var args = Stream.concat(path.stream(), Stream.of(flag)).toArray(String[]::new);
        var r = Cli.run(args);
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("", r.err(), r.toString());
        String usage = "Usage: flymq " + String.join(" ", path) + " ";
        assertTrue(r.out().lines().anyMatch(line -> line.startsWith(usage)), usage + "... missing from " + r);
        assertFalse(r.out().contains("Unknown option"), r.toString());
    }
}
