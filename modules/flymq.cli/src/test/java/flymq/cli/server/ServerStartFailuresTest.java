package flymq.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `flymq server start` that cannot start, as a child process: exit 1, no ready line, and on stderr one line naming
 * the port or path and the cause (a stack trace only with --verbose).
 */
class ServerStartFailuresTest {
    @TempDir
    Path dir;

    record Run(int exit, List<String> out, List<String> err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + String.join("\n", out) + "\n--- stderr\n"
                    + String.join("\n", err);
        }
    }

    private Run serverStart(String... flags) throws Exception {
        var args = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xshare:auto",
                "-p", System.getProperty("jdk.module.path"), "-m", "flymq.cli/flymq.cli.FlyMq", "server", "start"));
        args.addAll(List.of(flags));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "server start did not exit: " + Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readAllLines(out), Files.readAllLines(err));
    }

    private static ServerSocket taken() throws Exception {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    private List<String> ephemeral(String... overrides) {
        var flags = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(),
                "--bind-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0"));
        for (int i = 0; i < overrides.length; i += 2) {
            int at = flags.indexOf(overrides[i]);
            if (at >= 0) {
                flags.set(at + 1, overrides[i + 1]);
            } else {
                flags.addAll(List.of(overrides[i], overrides[i + 1]));
            }
        }
        return flags;
    }

    private static void assertFailedWithOneLine(Run r, String line) {
        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(line), r.err(), r.toString());
        assertFalse(r.out().stream().anyMatch(l -> l.startsWith("ready")), r.toString());
    }

    @Test
    void aDataDirectoryThatIsAFileIsNamedAsSuch() throws Exception {
        Path file = Files.writeString(dir.resolve("flymq-data"), "not a directory");
        Run r = serverStart(ephemeral("--data-dir", file.toString()).toArray(String[]::new));
        assertFailedWithOneLine(r, "flymq server start: cannot start the broker: data directory " + file
                + " is a file, not a directory");
    }

    @Test
    void aProtocolPortInUseIsNamedWithTheSystemsReason() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            Run r = serverStart(ephemeral("--bind-addr", addr).toArray(String[]::new));
            assertFailedWithOneLine(r, "flymq server start: cannot start the broker: cannot listen on bind_addr "
                    + addr + ": Address already in use");
        }
    }

    @Test
    void aHealthPortInUseStopsTheStartBeforeTheReadyLine() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            Run r = serverStart(ephemeral("--health-addr", addr).toArray(String[]::new));
            assertFailedWithOneLine(r, "flymq server start: cannot start the broker: cannot listen on "
                    + "observability.health.addr " + addr + ": Address already in use");
        }
    }

    @Test
    void aMetricsPortInUseStopsTheStartBeforeTheReadyLine() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            Run r = serverStart(ephemeral("--metrics-addr", addr).toArray(String[]::new));
            assertFailedWithOneLine(r, "flymq server start: cannot start the broker: cannot listen on "
                    + "observability.metrics.addr " + addr + ": Address already in use");
        }
    }

    @Test
    void aConfiguredAdminPortInUseStopsTheStartBeforeTheReadyLine() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            Run r = serverStart(ephemeral("--set", "observability.admin.addr=" + addr).toArray(String[]::new));
            assertFailedWithOneLine(r, "flymq server start: cannot start the broker: cannot listen on "
                    + "observability.admin.addr " + addr + ": Address already in use");
        }
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        Path file = Files.writeString(dir.resolve("flymq-data"), "not a directory");
        var flags = ephemeral("--data-dir", file.toString());
        flags.add("--verbose");
        Run r = serverStart(flags.toArray(String[]::new));
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().get(0).endsWith("is a file, not a directory"), r.toString());
        assertTrue(r.err().stream().anyMatch(l -> l.startsWith("\tat ")), r.toString());
    }

    @Test
    void aBadConfigurationExitsTwoWithOneLine() throws Exception {
        Run r = serverStart(ephemeral("--acks", "sometimes").toArray(String[]::new));
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().size(), r.toString());
        assertTrue(r.err().get(0).startsWith("flymq server start: bad configuration: "), r.toString());
        assertTrue(r.out().isEmpty(), r.toString());
    }
}
