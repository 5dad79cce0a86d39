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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `flymq server start` with the admin listener over HTTPS, as a child process: the console line it prints says
 * https, and `flymq console` reaches it when told to trust the data directory's development CA (and only then).
 * Without TLS on a non-loopback address the broker warns at start.
 */
class AdminHttpsServerStartTest {
    private static final Pattern CONSOLE = Pattern.compile("console: https://127\\.0\\.0\\.1:(\\d+)/ui/");

    @TempDir
    Path dir;

    private Process start(Path stdout, Path stderr, String... flags) throws Exception {
        var args = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "-Xshare:auto",
                "-p", System.getProperty("jdk.module.path"), "-m", "flymq.cli/flymq.cli.FlyMq", "server", "start"));
        args.addAll(List.of(flags));
        return new ProcessBuilder(args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }

    private static List<String> lines(Path file, int n, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            var lines = Files.readAllLines(file);
            if (lines.size() >= n) {
                return lines;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("server printed only " + lines + " (alive: " + p.isAlive() + ")");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void theConsoleUrlSaysHttpsAndFlymqConsoleReachesItTrustingTheDevelopmentCa() throws Exception {
        Path data = dir.resolve("data");
        Path out = dir.resolve("out.txt");
        Process p = start(out, dir.resolve("err.txt"), "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:0",
                "--set", "observability.admin.tls_enabled=true",
                "--set", "observability.admin.tls_auto_generate=true");
        try {
            String line = lines(out, 3, p).get(2);
            Matcher m = CONSOLE.matcher(line);
            assertTrue(m.matches(), "console line: " + line);
            String base = "https://127.0.0.1:" + m.group(1);

            var trusted = Cli.run("--tls-ca", data.resolve("tls").resolve("ca.crt").toString(), "console",
                    "--admin-url", base);
            assertEquals(ExitCode.OK, trusted.code(), trusted.toString());
            assertEquals(base + "/ui/", trusted.out().strip());

            var untrusted = Cli.run("console", "--admin-url", base);
            assertNotEquals(ExitCode.OK, untrusted.code(), "the development CA is not trusted unless given: "
                    + untrusted);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    @Test
    void anAdminListenerOnEveryInterfaceWithoutTlsIsWarnedAboutAtStart() throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = start(out, err, "--bind-addr", "127.0.0.1:0", "--data-dir", dir.resolve("data").toString(),
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=:0");
        try {
            lines(out, 2, p);
            String warnings = Files.readString(err);
            assertTrue(warnings.contains("WARN 'observability.admin.addr' :0 is not a loopback address"), warnings);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }
}
