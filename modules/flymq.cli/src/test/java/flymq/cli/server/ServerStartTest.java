package flymq.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `flymq server start` as a child process: banner, ready line, a client round trip, graceful SIGTERM. */
class ServerStartTest {
    private static final Pattern READY =
            Pattern.compile("ready: protocol ([^ ,]+):(\\d+), metrics 127\\.0\\.0\\.1:(\\d+), health 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private Path stdout;
    private Path stderr;

    /** Waits until the child's stdout has at least n lines; returns them. */
    private List<String> lines(int n, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            var lines = Files.readAllLines(stdout);
            if (lines.size() >= n) {
                return lines;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("server printed only " + lines + " (alive: " + p.isAlive() + ")");
            }
            Thread.sleep(20);
        }
    }

    private Process start(String... flags) throws Exception {
        var args = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xshare:auto",
                "-p", System.getProperty("jdk.module.path"), "-m", "flymq.cli/flymq.cli.FlyMq", "server", "start"));
        args.addAll(List.of(flags));
        stdout = dir.resolve("stdout.txt");
        stderr = dir.resolve("stderr.txt");
        return new ProcessBuilder(args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }

    @Test
    void printsReadyServesAndStopsGracefullyOnSigterm() throws Exception {
        var data = dir.resolve("data");
        var p = start("--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(), "--node-id", "n1",
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:0");
        try {
            var first = lines(3, p);
            var banner = first.get(0);
            assertTrue(banner.startsWith("FlyMQ ") && banner.contains("node n1, data "), banner);
            var ready = first.get(1);
            var m = READY.matcher(ready);
            assertTrue(m.matches(), "ready line: " + ready);
            var server = "127.0.0.1:" + m.group(2);
            assertNotEquals("0", m.group(3), "the ready line names the bound metrics port");
            var live = Cli.run("--health-url", "http://127.0.0.1:" + m.group(4), "health", "live");
            assertEquals(ExitCode.OK, live.code(), "the health port in the ready line answers: " + live);

            var created = Cli.run("--server", server, "topic", "create", "served", "--partitions", "2");
            assertEquals(ExitCode.OK, created.code(), created.toString());
            assertEquals(ExitCode.OK, Cli.run("--server", server, "produce", "served", "x").code());

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "broker did not stop on SIGTERM");
            assertEquals(0, p.exitValue());
            var console = first.get(2);
            assertTrue(console.matches("console: http://127\\.0\\.0\\.1:\\d+/ui/"), "console line: " + console);
            assertEquals(List.of("stopped"), Files.readAllLines(stdout).subList(3, Files.readAllLines(stdout).size()));
            assertTrue(Files.isDirectory(data), "no data directory at " + data);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void withMetricsOffTheReadyLineSaysSoInsteadOfNamingAnAddress() throws Exception {
        var p = start("--bind-addr", "127.0.0.1:0", "--data-dir", dir.resolve("data").toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.metrics.enabled=false");
        try {
            var ready = lines(2, p).get(1);
            assertTrue(ready.matches("ready: protocol 127\\.0\\.0\\.1:\\d+, metrics off, health 127\\.0\\.0\\.1:\\d+"),
                    ready);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "broker did not stop on SIGTERM");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aBadConfigurationValueIsAUsageErrorNamingTheKey() {
        var r = Cli.run("server", "start", "--acks", "sometimes", "--data-dir", dir.toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("flymq server start: bad configuration: ") && r.err().contains("performance.acks"),
                r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void anUnknownSetKeyIsAUsageError() {
        var r = Cli.run("server", "start", "--set", "no_such_key=1", "--data-dir", dir.toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("no_such_key"), r.err());
    }

    @Test
    void aMissingConfigFileIsAUsageError() {
        var r = Cli.run("server", "start", "--config", dir.resolve("absent.json").toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("absent.json"), r.err());
    }

    @Test
    void anUpstreamConfigFileStartsTheBrokerWithAWarningPerIgnoredKey() throws Exception {
        var config = dir.resolve("upstream.json");
        Files.writeString(config, """
                {"bind_addr": ":9092", "log_json": true, "auth": {"user_file": "/etc/flymq/users.json"},
                 "observability": {"metrics": {"enabled": true, "addr": ":9094"},
                                   "health": {"enabled": true, "addr": ":9095"}}}
                """);
        var p = start("--config", config.toString(), "--bind-addr", "127.0.0.1:0", "--data-dir",
                dir.resolve("data").toString(), "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
        try {
            assertTrue(READY.matcher(lines(2, p).get(1)).matches(), Files.readString(stdout));
            var warnings = Files.readAllLines(stderr).stream().filter(l -> l.startsWith("WARN ")).toList();
            assertEquals(List.of("log_json", "auth.user_file", "observability.health.enabled"), warnings.stream()
                    .map(w -> w.replaceAll("^WARN ignoring upstream FlyMQ key '([^']+)' = .*", "$1")).toList(),
                    String.join("\n", warnings));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "broker did not stop on SIGTERM");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutAuthenticationPrintsOneWarnLine() throws Exception {
        var p = start("--bind-addr", "0.0.0.0:0", "--data-dir", dir.resolve("data").toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0");
        try {
            lines(2, p);
            var warnings = Files.readAllLines(stderr).stream().filter(l -> l.startsWith("WARN ")).toList();
            assertEquals(1, warnings.size(), String.join("\n", warnings));
            assertTrue(warnings.get(0).startsWith("WARN listening without authentication on non-loopback addresses: "
                    + "client 0.0.0.0:0;") && warnings.get(0).contains("docs/security.md"), warnings.get(0));
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void listeningOnLoopbackOnlyPrintsNoWarning() throws Exception {
        var p = start("--bind-addr", "127.0.0.1:0", "--data-dir", dir.resolve("data").toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "localhost:0");
        try {
            lines(2, p);
            assertEquals(List.of(), Files.readAllLines(stderr).stream().filter(l -> l.startsWith("WARN ")).toList());
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConfigFileWithAKeyNobodyKnowsIsAUsageError() throws Exception {
        var config = dir.resolve("typo.json");
        Files.writeString(config, "{\"performance\": {\"ackz\": \"all\"}}");
        var r = Cli.run("server", "start", "--config", config.toString(), "--data-dir", dir.toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("unknown configuration key 'performance.ackz'"), r.err());
    }

    @Test
    void peersInUpstreamsHostPortFormIsAUsageError() {
        var r = Cli.run("server", "start", "--peers", "node-2:9093", "--bind-addr", "127.0.0.1:0",
                "--cluster-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--data-dir", dir.toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("invalid value for 'peers': entry 'node-2:9093'"), r.err());
    }
}
