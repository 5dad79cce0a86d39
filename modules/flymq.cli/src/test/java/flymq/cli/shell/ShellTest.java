package flymq.cli.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.FlyMq;
import flymq.cli.StubHttp;
import flymq.cli.TestTerminal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jline.reader.Candidate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Thread start(Shell shell, AtomicInteger exit) {
        return Thread.ofPlatform().start(() -> exit.set(shell.run()));
    }

    @Test
    void runsCommandsWithTheShellsGlobalOptionsAndKeepsHistory() throws Exception {
        var history = dir.resolve("history");
        try (var stub = new StubHttp().serve("/live", StubHttp.Reply.text(200, ""))
                .serve("/ready", StubHttp.Reply.text(503, ""));
             var tt = new TestTerminal()) {
            var exit = new AtomicInteger(-1);
            var thread = start(new Shell(tt.terminal(), history, List.of("--health-url=" + stub.base())), exit);
            tt.await("flymq> ", WAIT);
            tt.type("health live\r");
            tt.await("live\n", WAIT);
            tt.type("health ready\r");
            tt.await("(exit 1)", WAIT);
            tt.type("exit\r");
            thread.join(WAIT.toMillis());
            assertFalse(thread.isAlive(), "shell did not leave on exit");
            assertEquals(1, exit.get());
            var saved = Files.readString(history);
            assertTrue(saved.contains("health live") && saved.contains("health ready"), saved);
        }
    }

    @Test
    void tabCompletesCommandNamesFromTheModel() throws Exception {
        try (var stub = new StubHttp().serve("/live", StubHttp.Reply.text(200, ""));
             var tt = new TestTerminal()) {
            var exit = new AtomicInteger(-1);
            var thread = start(new Shell(tt.terminal(), null, List.of("--health-url=" + stub.base())), exit);
            tt.await("flymq> ", WAIT);
            tt.type("heal\tli\t\r");
            tt.await("live\n", WAIT);
            tt.endInput();
            thread.join(WAIT.toMillis());
            assertFalse(thread.isAlive(), "shell did not leave at end of input");
            assertEquals(0, exit.get());
            assertTrue(tt.screenText().contains("health live"), tt.screenText());
        }
    }

    @Test
    void aUsageErrorIsReportedAndTheShellGoesOn() throws Exception {
        try (var tt = new TestTerminal()) {
            var exit = new AtomicInteger(-1);
            var thread = start(new Shell(tt.terminal(), null, List.of()), exit);
            tt.await("flymq> ", WAIT);
            tt.type("metrics --bogus\r");
            tt.await("(exit 2)", WAIT);
            tt.type("quit\r");
            thread.join(WAIT.toMillis());
            assertFalse(thread.isAlive());
            assertTrue(tt.screenText().contains("Unknown option: '--bogus'"), tt.screenText());
        }
    }

    private static List<String> values(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::value).sorted().toList();
    }

    @Test
    void completerOffersSubcommandsOfTheCommandTypedSoFar() {
        var completer = new CommandCompleter(FlyMq.commandLine().getCommandSpec());
        assertEquals(List.of("check", "live", "ready"), values(completer.candidates(List.of("health"), "")));
    }

    @Test
    void completerOffersOptionValuesAfterTheOption() {
        var completer = new CommandCompleter(FlyMq.commandLine().getCommandSpec());
        assertEquals(List.of("json", "table"), values(completer.candidates(List.of("metrics", "--output"), "")));
    }

    @Test
    void completerOffersInheritedGlobalOptions() {
        var completer = new CommandCompleter(FlyMq.commandLine().getCommandSpec());
        var options = values(completer.candidates(List.of("health", "check"), "--"));
        assertTrue(options.containsAll(List.of("--wait", "--server", "--health-url", "--output")), options.toString());
    }
}
