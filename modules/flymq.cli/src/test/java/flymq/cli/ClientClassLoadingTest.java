package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client commands start fast because they never load the broker's server side: runs flymq in a child JVM with
 * class-load logging and checks that no Helidon, Jackson or broker server class was loaded.
 */
class ClientClassLoadingTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"topic list", "health check"})
    void clientCommandsLoadNoServerClasses(String command) throws Exception {
        int closed = StubHttp.closedPort();
        var log = dir.resolve("classes.log");
        var args = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-Xshare:auto", "-Xlog:class+load=info:file=" + log,
                "-p", System.getProperty("jdk.module.path"), "-m", "flymq.cli/flymq.cli.FlyMq"));
        args.addAll(List.of(command.split(" ")));
        args.addAll(List.of("--server", "127.0.0.1:" + closed, "--health-url", "http://127.0.0.1:" + closed,
                "--metrics-url", "http://127.0.0.1:" + closed + "/metrics"));
        var p = new ProcessBuilder(args).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "flymq " + command + " did not finish");
        assertEquals(ExitCode.UNREACHABLE, p.exitValue());
        var loaded = Files.readAllLines(log).stream()
                .filter(l -> l.contains("io.helidon.") || l.contains("com.fasterxml.jackson.")
                        || l.contains("flymq.broker.BrokerConfig") || l.contains("flymq.broker.node.BrokerNode")
                        || l.contains("flymq.cli.server.BrokerRunner") || l.contains("flymq.storage."))
                .toList();
        assertEquals(List.of(), loaded, "flymq " + command + " loaded server classes");
        assertTrue(Files.readString(log).contains("flymq.cli.FlyMq "), "the log shows no flymq class at all");
        // only the command's own group is built: no other command package, no JLine
        var own = "flymq.cli." + command.split(" ")[0] + ".";
        var otherCommands = Files.readAllLines(log).stream()
                .filter(l -> l.contains("[class,load] flymq.cli.") || l.contains("[class,load] org.jline."))
                .map(l -> l.replaceAll(".*\\[class,load\\] (\\S+).*", "$1"))
                .filter(c -> c.startsWith("org.jline.") || c.matches("flymq\\.cli\\.[a-z]+\\..*"))
                .filter(c -> !c.startsWith(own) && !c.startsWith("flymq.cli.output.")
                        && !c.startsWith("flymq.cli.http."))
                .toList();
        assertEquals(List.of(), otherCommands, "flymq " + command + " built other commands");
    }
}
