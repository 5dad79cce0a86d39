import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds the FlyMQ container image (an OCI archive: {@code podman load}, {@code skopeo copy oci-archive:...})
 * from the linked runtime image, with Jib Core: no container daemon, no registry, no base image to pull.
 *
 * <p>The image starts {@code FROM scratch}. The runtime image needs only a C library and a shell (its launcher is a
 * POSIX {@code sh} script); both come from the build machine, which is Debian: the shared libraries that
 * {@code ldd} names for the image's executables and libraries (glibc's loader, libc, libm, ...) are copied to the
 * paths ldd printed, and {@code /bin/sh} (dash) with them. So the image holds no package manager, no other tools,
 * and nothing a pull could change; what it holds is recorded in its labels ({@code dev.flymq.libc}).
 *
 * <p>Layers, bottom up: {@code os} (the libraries, {@code /bin/sh}, {@code /etc/passwd} and friends, {@code /tmp}
 * and the data directory), {@code runtime} (the linked image at {@code /opt/flymq}, without its startup archive),
 * {@code startup-archive} ({@code lib/flymq.aot}, rebuilt by every build). File modes are the build tree's,
 * owners root, except the data directory and the user's home, owned by {@code flymq} (65532); every time stamp is
 * the epoch + 1 s, so the same inputs give the same image digest.
 *
 * <p>Arguments are {@code key=value}: {@code image} (the linked image), {@code tar} (output), {@code name} (the
 * image reference written into the tarball), {@code work} (scratch folder), {@code version}.
 */
public final class ContainerImage {
    static final String USER = "flymq";
    static final int UID = 65532;
    static final String APP = "/opt/flymq";
    static final String DATA = "/var/lib/flymq";
    static final String HOME = "/home/flymq";
    /** client, cluster (Raft), metrics, health, admin API. */
    static final int[] PORTS = {9092, 9093, 9094, 9095, 9096};
    static final Instant FILE_TIME = Instant.ofEpochSecond(1);

    /** {@code libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)}, {@code libjvm.so => not found}, the loader. */
    private static final Pattern LDD_LINE =
            Pattern.compile("^\\s*(\\S+)(?: => (\\S+|not found))?(?: \\(0x[0-9a-f]+\\))?\\s*$");

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected key=value, found " + a);
            }
            opts.put(a.substring(0, eq), a.substring(eq + 1));
        }
        Path image = Path.of(require(opts, "image")).toAbsolutePath();
        Path tar = Path.of(require(opts, "tar")).toAbsolutePath();
        Path work = Path.of(require(opts, "work")).toAbsolutePath();
        String name = require(opts, "name");
        String version = require(opts, "version");
        if (!Files.isExecutable(image.resolve("bin/flymq"))) {
            throw new IllegalStateException("no linked image at " + image + " (bin/flymq missing): build jlink/ first");
        }
        long started = System.nanoTime();
        JibContainer built = build(image, tar, work, name, version);
        System.out.printf("container image %s -> %s (%d MiB compressed layers + config), digest %s, %d ms%n",
                name, tar, Files.size(tar) >> 20, built.getDigest(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing argument " + key + "=...");
        }
        return v;
    }

    static JibContainer build(Path image, Path tar, Path work, String name, String version) throws Exception {
        deleteTree(work);
        Path etc = Files.createDirectories(work.resolve("etc"));
        Path emptyDir = Files.createDirectories(work.resolve("empty"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/sbin/nologin\n"
                + USER + ":x:" + UID + ":" + UID + ":FlyMQ:" + HOME + ":/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\n" + USER + ":x:" + UID + ":\n");
        // without it glibc asks DNS before /etc/hosts, so even "localhost" would wait for a resolver
        Files.writeString(etc.resolve("nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");

        Map<String, Path> libraries = sharedLibraries(image);
        Path shell = Path.of("/bin/sh").toRealPath();
        libraries.putAll(librariesOf(List.of(shell), Set.of(), null));

        FileEntriesLayer.Builder os = FileEntriesLayer.builder().setName("os");
        for (var lib : libraries.entrySet()) {
            os.addEntry(lib.getValue().toRealPath(), AbsoluteUnixPath.get(lib.getKey()),
                    FilePermissions.fromOctalString("755"), FILE_TIME);
        }
        os.addEntry(shell, AbsoluteUnixPath.get("/bin/sh"), FilePermissions.fromOctalString("755"), FILE_TIME);
        for (String f : List.of("passwd", "group", "nsswitch.conf")) {
            os.addEntry(etc.resolve(f), AbsoluteUnixPath.get("/etc/" + f), FilePermissions.fromOctalString("644"),
                    FILE_TIME);
        }
        // /tmp for the JVM's perf data and Helidon; in Kubernetes an emptyDir is mounted over it
        os.addEntry(emptyDir, AbsoluteUnixPath.get("/tmp"), FilePermissions.fromOctalString("777"), FILE_TIME);
        String owner = UID + ":" + UID;
        os.addEntry(emptyDir, AbsoluteUnixPath.get(DATA), FilePermissions.fromOctalString("750"), FILE_TIME, owner);
        os.addEntry(emptyDir, AbsoluteUnixPath.get(HOME), FilePermissions.fromOctalString("750"), FILE_TIME, owner);

        FileEntriesLayer.Builder runtime = FileEntriesLayer.builder().setName("runtime");
        FileEntriesLayer.Builder archive = FileEntriesLayer.builder().setName("startup-archive");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(image)) {
            files = walk.sorted().toList();
        }
        for (Path p : files) {
            String rel = image.relativize(p).toString();
            if (rel.isEmpty() || Files.isSymbolicLink(p)) {
                continue;
            }
            AbsoluteUnixPath in = AbsoluteUnixPath.get(APP + "/" + rel);
            FilePermissions mode = FilePermissions.fromPosixFilePermissions(readable(Files.getPosixFilePermissions(p)));
            (rel.startsWith("lib/flymq.") ? archive : runtime).addEntry(p, in, mode, FILE_TIME);
        }

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", APP + "/bin:/usr/bin:/bin");
        env.put("HOME", HOME);
        // the broker's defaults inside a container: every listener on all interfaces, data on the volume
        env.put("FLYMQ_DATA_DIR", DATA);
        env.put("FLYMQ_BIND_ADDR", "0.0.0.0:9092");
        env.put("FLYMQ_CLUSTER_ADDR", "0.0.0.0:9093");
        env.put("FLYMQ_OBSERVABILITY_METRICS_ADDR", "0.0.0.0:9094");
        env.put("FLYMQ_OBSERVABILITY_HEALTH_ADDR", "0.0.0.0:9095");

        JibContainerBuilder builder = Jib.fromScratch()
                .setFormat(ImageFormat.OCI)
                .setCreationTime(Instant.EPOCH)
                .addFileEntriesLayer(os.build())
                .addFileEntriesLayer(runtime.build())
                .addFileEntriesLayer(archive.build())
                .setEnvironment(env)
                .setUser(UID + ":" + UID)
                .setWorkingDirectory(AbsoluteUnixPath.get(DATA))
                .addVolume(AbsoluteUnixPath.get(DATA))
                .setEntrypoint(APP + "/bin/flymq")
                .setProgramArguments("server", "start")
                .addLabel("org.opencontainers.image.title", "FlyMQ")
                .addLabel("org.opencontainers.image.description",
                        "FlyMQ message broker (JVM), linked runtime image on glibc; no HEALTHCHECK: "
                                + "probe /live and /ready on 9095")
                .addLabel("org.opencontainers.image.version", version)
                .addLabel("dev.flymq.libc", glibcVersion());
        for (int port : PORTS) {
            builder.addExposedPort(Port.tcp(port));
        }
        Files.createDirectories(tar.getParent());
        Containerizer to = Containerizer.to(TarImage.at(tar).named(name))
                .setOfflineMode(true)
                .setToolName("flymq-container-image")
                .setBaseImageLayersCache(work.resolve("cache/base"))
                .setApplicationLayersCache(work.resolve("cache/app"))
                .addEventHandler(LogEvent.class, e -> {
                    if (e.getLevel() == LogEvent.Level.ERROR || e.getLevel() == LogEvent.Level.WARN) {
                        System.err.println("jib: " + e.getMessage());
                    }
                });
        return builder.containerize(to);
    }

    /** Everyone may read what the build tree lets its owner read; nobody may write: the image is read-only. */
    private static Set<PosixFilePermission> readable(Set<PosixFilePermission> mode) {
        Set<PosixFilePermission> out = new TreeSet<>();
        if (mode.contains(PosixFilePermission.OWNER_READ)) {
            out.addAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ,
                    PosixFilePermission.OTHERS_READ));
        }
        if (mode.contains(PosixFilePermission.OWNER_EXECUTE)) {
            out.addAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
        }
        if (mode.contains(PosixFilePermission.OWNER_WRITE)) {
            out.add(PosixFilePermission.OWNER_WRITE);
        }
        return out;
    }

    /** The host libraries the image's ELF files need, by the path ldd resolved them to (the path in the image). */
    static Map<String, Path> sharedLibraries(Path image) throws IOException, InterruptedException {
        List<Path> elf = new ArrayList<>();
        Set<String> own = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(image)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                if (isElf(p)) {
                    elf.add(p);
                    own.add(p.getFileName().toString());
                }
            }
        }
        return librariesOf(elf, own, image);
    }

    private static boolean isElf(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }

    private static Map<String, Path> librariesOf(List<Path> elf, Set<String> own, Path image)
            throws IOException, InterruptedException {
        Map<String, Path> libs = new TreeMap<>();
        for (Path file : elf) {
            Process ldd = new ProcessBuilder("ldd", file.toString()).redirectErrorStream(true).start();
            String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = ldd.waitFor();
            if (exit != 0) {
                if (out.contains("not a dynamic executable")) {
                    continue;
                }
                throw new IOException("ldd " + file + " exited " + exit + ": " + out.strip());
            }
            for (String line : out.split("\n")) {
                Matcher m = LDD_LINE.matcher(line);
                if (!m.matches()) {
                    if (line.contains("statically linked")) {
                        continue;
                    }
                    throw new IOException("unexpected ldd output for " + file + ": " + line);
                }
                String soname = m.group(1);
                String resolved = m.group(2);
                if (soname.startsWith("linux-vdso") || soname.startsWith("linux-gate")) {
                    continue;
                }
                if (resolved == null) {
                    // the program interpreter, printed by its absolute path (/lib64/ld-linux-x86-64.so.2)
                    libs.put(soname, Path.of(soname));
                } else if (resolved.equals("not found")) {
                    // the image's own libraries (libjvm.so) are found through the launcher's RPATH at run time
                    if (!own.contains(soname)) {
                        throw new IOException(file + " needs " + soname + ", which neither the build machine nor the "
                                + "image has");
                    }
                } else if (image == null || !Path.of(resolved).startsWith(image)) {
                    libs.put(resolved, Path.of(resolved));
                }
            }
        }
        return libs;
    }

    private static String glibcVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ldd", "--version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst()
                .orElse("unknown");
        p.waitFor();
        return first.strip();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted((a, b) -> b.compareTo(a))::iterator) {
                Files.delete(p);
            }
        }
    }
}
