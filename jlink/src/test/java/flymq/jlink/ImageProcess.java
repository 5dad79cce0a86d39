package flymq.jlink;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Runs a program of the linked image with a controlled environment and collects its exit code and output. */
final class ImageProcess {

    record Result(int exit, String out) { }

    /**
     * A {@code bin/flymq server start} process that printed its ready line, the protocol port it named, and the
     * ready line itself (it names the metrics and health addresses too).
     */
    record Server(Process process, int port, String readyLine, Thread drain) {
        /**
         * Waits until everything the exited server printed has reached the writer given to
         * {@link #startServer(String, Writer, String...)}: the drain thread may still be copying its last lines.
         */
        void awaitOutput() throws InterruptedException {
            drain.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private static final Pattern READY = Pattern.compile("^ready: protocol [^ ]*:(\\d+),");

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
        pb.environment().put("FLYMQ_BROKER_CACHE_DIR", "none");
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

    /**
     * Starts {@code bin/flymq server start <serverArgs>} as a user would and returns once it printed its ready line;
     * its later output is drained so that it never blocks on a full pipe. {@code what} names it in the failure.
     */
    static Server startServer(String what, String... serverArgs) throws IOException {
        return startServer(what, Writer.nullWriter(), serverArgs);
    }

    /** As {@link #startServer(String, String...)}, with its output after the ready line written to {@code rest}. */
    static Server startServer(String what, Writer rest, String... serverArgs) throws IOException {
        return startServer(what, rest, Map.of(), serverArgs);
    }

    /** As {@link #startServer(String, Writer, String...)}, with {@code env} added (e.g. {@code FLYMQ_JAVA_OPTS}). */
    static Server startServer(String what, Writer rest, Map<String, String> env, String... serverArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(image().resolve("bin/flymq").toString(), "server", "start"));
        cmd.addAll(List.of(serverArgs));
        return awaitReady(what, rest, env, cmd);
    }

    /**
     * Like {@link #startServer(String, String...)}, through {@code sh} with the soft limit on open files raised to
     * the hard limit first, for a test that opens thousands of connections to it.
     */
    static Server startServerWithAllFiles(String what, String... serverArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "ulimit -n \"$(ulimit -Hn)\"; exec \"$0\" \"$@\"",
                image().resolve("bin/flymq").toString(), "server", "start"));
        cmd.addAll(List.of(serverArgs));
        return awaitReady(what, Writer.nullWriter(), Map.of(), cmd);
    }

    /** The hard limit on open files of processes started from here ({@code ulimit -Hn}); MAX_VALUE if unlimited. */
    static int openFilesHardLimit() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "ulimit -Hn").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out.equals("unlimited") ? Integer.MAX_VALUE : Integer.parseInt(out);
    }

    private static Server awaitReady(String what, Writer rest, Map<String, String> env, List<String> cmd)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("FLYMQ_JAVA_OPTS");
        // No broker startup cache unless a test asks for one: a training start writes it into the image at its
        // stop, and the container module packs this image as it is (ImageBrokerStartupCacheIT tests the cache).
        pb.environment().put("FLYMQ_BROKER_CACHE_DIR", "none");
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = READY.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(rest);
                        rest.flush();
                    } catch (IOException ignored) {
                        // the server is gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new Server(p, Integer.parseInt(m.group(1)), line, drain);
            }
        }
        throw new AssertionError(what + " exited before its ready line:\n" + seen);
    }

    /**
     * Ports handed out in this JVM, never handed out again: a test picks its nodes' ports before it starts them, so
     * a port checked free twice would go to two nodes (a cluster test picks eight).
     */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A free port below the kernel's ephemeral range (32768-60999 here): a port picked there can be taken by an
     * outgoing connection's local port before the node binds it, which failed CI runs.
     */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
            if (!GIVEN.add(port)) {
                continue; // handed out already: a node may be about to bind it
            }
            try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (java.net.BindException taken) {
                // in use: try another
            }
        }
        throw new IOException("no free loopback port in 20000-31999");
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
