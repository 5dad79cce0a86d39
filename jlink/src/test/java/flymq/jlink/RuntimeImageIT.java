package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The linked image in target/flymq: its modules, its launcher, its size and its startup archive. */
class RuntimeImageIT {

    private static final Path IMAGE = ImageProcess.image();
    private static final Path FLYMQ = IMAGE.resolve("bin/flymq");

    @Test
    void listsAllFiveFlymqModules() throws Exception {
        var r = ImageProcess.run(Map.of(), IMAGE.resolve("bin/java"), "--list-modules");
        assertEquals(0, r.exit(), r.out());
        for (String m : List.of("flymq.storage", "flymq.raft", "flymq.telemetry", "flymq.admin", "flymq.broker",
                "flymq.cli")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(m + "@")), m + " missing from:\n" + r.out());
        }
    }

    @Test
    void leavesOutTheDesktopAndSqlModulesThatLibrariesNeedOnlyOptionally() throws Exception {
        var r = ImageProcess.run(Map.of(), IMAGE.resolve("bin/java"), "--list-modules");
        assertEquals(0, r.exit(), r.out());
        assertFalse(r.out().contains("java.desktop@"), r.out());
        assertFalse(r.out().contains("java.sql@"), r.out());
        assertTrue(r.out().contains("java.naming@"), "Helidon needs java.naming:\n" + r.out());
    }

    @Test
    void versionRunsWithTheImagesOwnJavaWhenPathJavaIs17() throws Exception {
        var r = ImageProcess.run(java17Env(), FLYMQ, "--version");
        assertEquals(0, r.exit(), r.out());
        assertEquals("flymq " + ImageProcess.version(), r.out().strip());
    }

    @Test
    void helpRunsWithTheImagesOwnJavaWhenPathJavaIs17() throws Exception {
        var r = ImageProcess.run(java17Env(), FLYMQ, "--help");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("Usage: flymq"), r.out());
    }

    @Test
    void launcherNeverRunsTheJavaOnPathOrInJavaHome(@TempDir Path dir) throws Exception {
        Path fakeBin = Files.createDirectories(dir.resolve("bin"));
        Path fake = fakeBin.resolve("java");
        Files.writeString(fake, "#!/bin/sh\necho 'wrong java' >&2\nexit 97\n");
        fake.toFile().setExecutable(true);
        var r = ImageProcess.run(Map.of("PATH", fakeBin + ":/usr/bin:/bin", "JAVA_HOME", dir.toString()),
                FLYMQ, "--version");
        assertEquals(0, r.exit(), r.out());
        assertFalse(r.out().contains("wrong java"), r.out());
    }

    @Test
    void launcherWorksThroughASymlink(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("flymq"), FLYMQ);
        var r = ImageProcess.run(Map.of(), link, "--version");
        assertEquals(0, r.exit(), r.out());
        assertEquals("flymq " + ImageProcess.version(), r.out().strip());
    }

    @Test
    void imageWithoutItsStartupArchiveIsAtMost64MiB() throws IOException {
        long bytes;
        try (Stream<Path> s = Files.walk(IMAGE)) {
            bytes = s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().matches("flymq\\.(aot|jsa)"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(bytes <= 64L * 1024 * 1024, "image is " + bytes / (1024 * 1024) + " MiB without its archive");
    }

    @Test
    void startupArchiveIsShippedAndAcceptedByTheImagesJvm() throws Exception {
        Path aot = IMAGE.resolve("lib/flymq.aot");
        Path jsa = IMAGE.resolve("lib/flymq.jsa");
        assertTrue(Files.isRegularFile(aot) || Files.isRegularFile(jsa), "no startup archive in " + IMAGE + "/lib");
        // "on"/"-Xshare:on" make the JVM refuse to start when the archive cannot be mapped or does not match
        String strict = Files.isRegularFile(aot) ? "-XX:AOTMode=on" : "-Xshare:on";
        var r = ImageProcess.run(Map.of("FLYMQ_JAVA_OPTS", strict), FLYMQ, "--version");
        assertEquals(0, r.exit(), r.out());
        assertEquals("flymq " + ImageProcess.version(), r.out().strip());
    }

    @Test
    void jvmWarningsGoToStderrSoStdoutHoldsOnlyTheCommandsOutput() throws Exception {
        // another collector than the archive's: the JVM warns that it cannot map the startup archive
        String opts = "-XX:-UseSerialGC -XX:+UseZGC";
        var stdout = ImageProcess.run(Map.of("FLYMQ_JAVA_OPTS", opts), Path.of("/bin/sh"), "-c",
                "exec \"$0\" --version 2>/dev/null", FLYMQ.toString());
        assertEquals(0, stdout.exit(), stdout.out());
        assertEquals("flymq " + ImageProcess.version(), stdout.out().strip());
        // ...and the warning is still there, on stderr
        var stderr = ImageProcess.run(Map.of("FLYMQ_JAVA_OPTS", opts), Path.of("/bin/sh"), "-c",
                "exec \"$0\" --version 2>&1 >/dev/null", FLYMQ.toString());
        if (Files.isRegularFile(IMAGE.resolve("lib/flymq.aot"))) {
            assertTrue(stderr.out().contains("AOT cache"), stderr.out());
        }
        assertFalse(stderr.out().contains("flymq " + ImageProcess.version()), stderr.out());
    }

    @Test
    void runsWithoutItsStartupArchiveWhenToldTo() throws Exception {
        var r = ImageProcess.run(Map.of("FLYMQ_STARTUP_ARCHIVE", "none", "FLYMQ_JAVA_OPTS", "-Xshare:off"),
                FLYMQ, "--version");
        assertEquals(0, r.exit(), r.out());
    }

    @Test
    void clientCommandsGetTheC1OnlyJitAndTheBrokerGetsFullTieredJit() throws Exception {
        Map<String, String> env = Map.of("FLYMQ_JAVA_OPTS", "-XX:+PrintCommandLineFlags");
        // exit codes do not matter here: the JVM prints its flags before the command runs
        var client = ImageProcess.run(env, FLYMQ, "--output", "json", "--server=127.0.0.1:1", "topic", "list");
        assertTrue(client.out().contains("-XX:TieredStopAtLevel=1"), client.out());
        var server = ImageProcess.run(env, FLYMQ, "--server", "127.0.0.1:1", "server", "start", "--help");
        assertFalse(server.out().contains("TieredStopAtLevel"), server.out());
        assertTrue(server.out().contains("-XX:+UseG1GC"), server.out());
        assertTrue(server.out().contains("-XX:MaxHeapSize=268435456"), "broker heap capped at 256 MiB: " + server.out());
        assertTrue(server.out().contains(CRYPTO_EARLY), "TLS and at-rest AES-GCM compiled early: " + server.out());
        assertFalse(client.out().contains("CompileThresholdScaling"), client.out());
    }

    /** The launcher's per-package compile threshold for the JDK's crypto provider (bin/flymq says why). */
    private static final String CRYPTO_EARLY =
            "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.1";

    @Test
    void benchGetsTheFullJitWhateverGlobalOptionsWithValuesComeFirst() throws Exception {
        Map<String, String> env = Map.of("FLYMQ_JAVA_OPTS", "-XX:+PrintCommandLineFlags");
        // AES-GCM is intrinsified by C2 only: a TLS bench under the client's C1-only JIT runs at a fraction of its speed
        var bench = ImageProcess.run(env, FLYMQ, "--server", "127.0.0.1:1", "--tls-ca", "ca.crt", "--tls-cert",
                "c.crt", "--tls-key", "c.key", "-o", "json", "bench", "produce", "--help");
        assertFalse(bench.out().contains("TieredStopAtLevel"), bench.out());
        assertTrue(bench.out().contains("-XX:+UseG1GC"), bench.out());
        assertTrue(bench.out().contains(CRYPTO_EARLY), bench.out());
        // the compile command is quiet: nothing of it on stdout, where `bench --output json` writes its figures
        var help = ImageProcess.run(Map.of(), FLYMQ, "bench", "produce", "--help");
        assertTrue(help.out().contains("--records"), help.out());
        assertFalse(help.out().contains("CompileCommand"), help.out());
    }

    @Test
    void clientCommandsGetASmallSerialHeapAndNoPerfDataFile() throws Exception {
        var client = ImageProcess.run(Map.of("FLYMQ_JAVA_OPTS", "-XX:+PrintCommandLineFlags"), FLYMQ,
                "--server=127.0.0.1:1", "health", "check");
        assertTrue(client.out().contains("-XX:+UseSerialGC"), client.out());
        assertTrue(client.out().contains("-XX:MaxHeapSize=268435456"), "client heap capped at 256 MiB: " + client.out());
        assertTrue(client.out().contains("-XX:-UsePerfData"), client.out());
    }

    @Test
    void topicListTakesPicocliAndItsCommandFromTheStartupArchive() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(IMAGE.resolve("lib/flymq.aot")),
                "the image has no AOT cache (linked by a JDK before 24)");
        var r = ImageProcess.run(Map.of("FLYMQ_JAVA_OPTS", "-Xlog:class+load=info"), FLYMQ,
                "--server=127.0.0.1:1", "topic", "list");
        assertEquals(3, r.exit(), r.out());
        var lines = r.out().lines().filter(l -> l.contains("[class,load]")).toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains(" picocli.CommandLine source: shared objects file")),
                "picocli.CommandLine did not come from the AOT cache:\n" + String.join("\n", lines));
        // Picocli targets Java 5: the build rewrites its classes (OldClassUpgrade), else the cache leaves them out
        var outside = lines.stream()
                .filter(l -> l.contains(" picocli.") || l.contains(" flymq.cli."))
                .filter(l -> !l.contains("source: shared objects file"))
                .toList();
        assertEquals(List.of(), outside, "classes loaded from outside the startup archive");
    }

    @Test
    void brokerHeapCapYieldsToFlymqJavaOpts() throws Exception {
        Map<String, String> env = Map.of("FLYMQ_JAVA_OPTS", "-XX:+PrintCommandLineFlags -Xmx1g");
        var server = ImageProcess.run(env, FLYMQ, "server", "start", "--help");
        assertTrue(server.out().contains("-XX:MaxHeapSize=1073741824"), server.out());
    }

    /**
     * PATH and JAVA_HOME point at a JDK 17 when this machine has one, as on a machine whose default java is 17;
     * otherwise PATH holds only the system folders (the fake-java test covers a hostile PATH regardless).
     */
    private static Map<String, String> java17Env() throws IOException {
        Path jdk17 = ImageProcess.java17Home();
        Map<String, String> env = new HashMap<>();
        if (jdk17 != null) {
            env.put("PATH", jdk17.resolve("bin") + ":/usr/bin:/bin");
            env.put("JAVA_HOME", jdk17.toString());
        } else {
            env.put("PATH", "/usr/bin:/bin");
        }
        return env;
    }
}
