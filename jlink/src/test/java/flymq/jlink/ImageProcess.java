package flymq.jlink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a program of the linked image with a controlled environment and collects its exit code and output. */
final class ImageProcess {

    record Result(int exit, String out) { }

    static Path image() {
        return Path.of(System.getProperty("flymq.image", "target/flymq")).toAbsolutePath();
    }

    static Path tarball() {
        return Path.of(System.getProperty("flymq.tarball", "target/flymq.tar.gz")).toAbsolutePath();
    }

    static String version() {
        return System.getProperty("flymq.version", "unknown");
    }

    static Result run(Map<String, String> env, Path program, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(program.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("FLYMQ_JAVA_OPTS");
        pb.environment().remove("FLYMQ_STARTUP_ARCHIVE");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within 60 s; output so far:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    /** A JDK 17 install when this machine has one (its java is what an unlucky PATH finds first), else null. */
    static Path java17Home() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (Stream<Path> s = Files.list(jvms)) {
            return s.filter(d -> d.getFileName().toString().contains("17"))
                    .filter(d -> Files.isExecutable(d.resolve("bin/java")))
                    .sorted().findFirst().orElse(null);
        }
    }

    private ImageProcess() { }
}
