package flymq.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code podman} (Debian's package; rootful or rootless, whichever this user gets) for the image tests. */
final class Podman {
    record Result(int exit, String out) { }

    /** -Dflymq.podman=PROGRAM runs another podman; a program that does not exist tests the fallback. */
    private static final String COMMAND = System.getProperty("flymq.podman", "podman");
    private static Boolean usable;
    private static String reason = "";

    private Podman() {
    }

    /** Whether podman is installed and can run a container here (it may lack user namespaces or cgroups). */
    static synchronized boolean usable() {
        if (usable == null) {
            try {
                Result info = run("info", "--format", "{{.Host.OCIRuntime.Name}}");
                usable = info.exit() == 0;
                reason = usable ? "" : "podman info failed: " + info.out().strip();
            } catch (IOException e) {
                usable = false;
                reason = "podman is not installed (" + e.getMessage() + "); .ci/run installs it";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                usable = false;
                reason = "interrupted";
            }
        }
        return usable;
    }

    static synchronized String reason() {
        return reason;
    }

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(COMMAND);
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    static Result exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        var out = new java.io.ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " did not finish within 180 s: " + out.toString(StandardCharsets.UTF_8));
        }
        pump.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    /**
     * {@code podman run -d --name NAME ARGS...} with explicit resource limits, first with podman's default OCI
     * runtime, then, if that cannot start the container and runc is installed, with runc. Both are needed on hosts
     * podman does not expect: root without CAP_SYS_RESOURCE cannot give a container podman's default limits
     * (1048576 open files), and crun refuses a cgroup v1/v2 hybrid hierarchy that runc handles.
     */
    static Result runDetached(String name, String... args) throws IOException, InterruptedException {
        List<String> common = new ArrayList<>(List.of("run", "-d", "--name", name,
                "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"));
        common.addAll(List.of(args));
        Result first = run(common.toArray(String[]::new));
        if (first.exit() == 0 || !onPath("runc")) {
            return first;
        }
        run("rm", "-f", "-v", name);
        List<String> withRunc = new ArrayList<>(List.of("--runtime", "runc"));
        withRunc.addAll(common);
        Result second = run(withRunc.toArray(String[]::new));
        return second.exit() == 0 ? second
                : new Result(second.exit(), "default runtime: " + first.out() + "runc: " + second.out());
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The host port podman published the container's TCP port on ({@code podman port}). */
    static int hostPort(String container, int port) throws IOException, InterruptedException {
        Result r = run("port", container, port + "/tcp");
        String line = r.out().strip().lines().findFirst().orElse("");
        if (r.exit() != 0 || !line.contains(":")) {
            throw new IOException("podman port " + container + " " + port + ": " + r.out());
        }
        return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).strip());
    }
}
