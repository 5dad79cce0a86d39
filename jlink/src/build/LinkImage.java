import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * Links FlyMQ's self-contained runtime image from the runtime class path of flymq.cli.
 *
 * <p>Run by the jlink module's build with the JDK that runs Maven ({@code java LinkImage.java key=value ...}); the
 * JDK tools (jdeps, javac, jlink) run in this JVM through {@link ToolProvider}, so one JVM start does all the work.
 *
 * <ol>
 *   <li>Every jar in {@code libs} is read as a module. A jar without {@code module-info.class} (an automatic module)
 *       gets a generated descriptor: one {@code jdeps --generate-module-info} over all such jars together, so their
 *       {@code requires} on each other come out right, then one multi-module {@code javac} that compiles the
 *       descriptors against the jars' own classes ({@code --patch-module}). No per-jar configuration: a dependency
 *       added to any module is picked up by the next build.</li>
 *   <li>Generated descriptors are edited in two ways. {@code requires} of the modules in {@code optionalRequires}
 *       (java.desktop, java.sql: JLine and micrometer touch them only on paths we never take) become
 *       {@code requires static}, which keeps those JDK modules out of the image. And a class that calls
 *       {@code ServiceLoader} gets {@code uses} for the public interfaces and abstract classes of its own module that
 *       it references, since an explicit module may only load services it declares.</li>
 *   <li>jlink links our modules, every third-party module and the JDK modules they require (plus
 *       {@code jdkModules}, e.g. java.naming, which Helidon loads reflectively) into {@code image}, from the
 *       running JDK's own run-time image when it has no {@code jmods/}.</li>
 *   <li>The launcher and man pages are copied in, a training run writes the startup archive (JDK 25+:
 *       {@code -XX:AOTCacheOutput}; JDK 24: AOT record then create; older: static AppCDS from class lists), and the
 *       image is packed into {@code tarball}.</li>
 * </ol>
 */
public final class LinkImage {

    private final Map<String, String> opts;
    /** A folder of jars, or null for the jars of this JVM's class path (how the Maven build passes them). */
    private final Path libs;
    private final Path work;
    private final Path image;
    private final int jdkFeature = Runtime.version().feature();

    private LinkImage(Map<String, String> opts) {
        this.opts = opts;
        this.libs = opts.containsKey("libs") ? Path.of(opts.get("libs")) : null;
        this.work = Path.of(need("work"));
        this.image = Path.of(need("image"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected key=value, got: " + a);
            }
            opts.put(a.substring(0, eq), a.substring(eq + 1));
        }
        long t0 = System.nanoTime();
        new LinkImage(opts).run();
        System.out.printf("[flymq-jlink] done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private String need(String key) {
        String v = opts.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing option " + key + "=...");
        }
        return v;
    }

    private List<String> list(String key) {
        String v = opts.getOrDefault(key, "");
        return Arrays.stream(v.split("[,\\s]+")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private void run() throws Exception {
        deleteTree(work);
        deleteTree(image);
        Path modules = Files.createDirectories(work.resolve("modules"));

        // 1. classify jars (pre-Java-6 class files rewritten first, so the AOT cache can hold them)
        List<Path> jars = upgradeOldClasses(jars());
        Map<Path, String> automatic = new TreeMap<>();
        Map<String, Path> byName = new TreeMap<>();
        for (Path jar : jars) {
            ModuleDescriptor d = descriptor(jar);
            Path clash = byName.put(d.name(), jar);
            if (clash != null) {
                throw new IllegalStateException("two jars define module " + d.name() + ": " + clash.getFileName()
                        + " and " + jar.getFileName() + " (exclude one in the pom)");
            }
            if (d.isAutomatic()) {
                automatic.put(jar, d.name());
            } else {
                Files.copy(jar, modules.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        log("%d jars, %d need a generated module descriptor: %s", jars.size(), automatic.size(),
                String.join(" ", automatic.values()));

        // 2. generate, edit and compile descriptors for the automatic ones
        if (!automatic.isEmpty()) {
            describe(jars, automatic, modules);
        }

        // 3. link
        Set<String> roots = new TreeSet<>(byName.keySet());
        roots.addAll(list("jdkModules"));
        List<String> jlinkArgs = new ArrayList<>(List.of(
                "--module-path", modules.toString(),
                "--add-modules", String.join(",", roots),
                "--output", image.toString(),
                "--strip-debug", "--no-header-files", "--no-man-pages",
                "--ignore-signing-information",
                "--compress", jdkFeature >= 21 ? "zip-6" : "2"));
        tool("jlink", jlinkArgs);
        Files.deleteIfExists(image.resolve("bin/jrunscript"));

        // 4. launcher, man pages, startup archive, tarball
        Path launcher = image.resolve("bin/flymq");
        Files.copy(Path.of(need("launcher")), launcher, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path man = Path.of(opts.getOrDefault("man", "/nonexistent"));
        if (Files.isDirectory(man)) {
            copyTree(man, image.resolve("man"));
        }
        log("image without startup archive: %.1f MB", treeSize(image) / 1048576.0);
        train(launcher);
        String tarball = opts.get("tarball");
        if (tarball != null) {
            pack(Path.of(tarball), opts.getOrDefault("tarballRoot", "flymq"));
        }
    }

    private List<Path> jars() throws IOException {
        List<Path> jars;
        if (libs != null) {
            try (Stream<Path> s = Files.list(libs)) {
                jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            }
        } else {
            jars = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .filter(s -> !s.isBlank()).map(Path::of)
                    .filter(p -> !p.equals(Path.of(opts.getOrDefault("ownClasses", "/nonexistent"))))
                    .toList();
        }
        for (Path j : jars) {
            if (!Files.isRegularFile(j) || !j.toString().endsWith(".jar")) {
                throw new IllegalStateException(j + " is not a jar: link the image after `package` of every module");
            }
        }
        if (jars.isEmpty()) {
            throw new IllegalStateException("no jars to link (neither libs=... nor a class path)");
        }
        return jars;
    }

    /**
     * Jars holding class files older than version 50 are replaced by copies whose old classes are rewritten by
     * {@code OldClassUpgrade.java} (next to this file; a JDK 24+ runs it: it uses the java.lang.classfile API),
     * because the AOT cache leaves such classes out and Picocli, which every CLI start runs, targets Java 5. On an
     * older JDK, or when the option {@code upgradeOldClasses=false}, the jars are used as they are.
     */
    private List<Path> upgradeOldClasses(List<Path> jars) throws Exception {
        if (jdkFeature < 24 || "false".equals(opts.get("upgradeOldClasses"))) {
            return jars;
        }
        Path script = Path.of(opts.getOrDefault("upgrader",
                Path.of(need("launcher")).getParent().getParent().getParent().resolve("build/OldClassUpgrade.java")
                        .toString()));
        Path dir = Files.createDirectories(work.resolve("upgraded"));
        List<Path> out = new ArrayList<>();
        for (Path jar : jars) {
            if (!hasOldClasses(jar)) {
                out.add(jar);
                continue;
            }
            Path upgraded = dir.resolve(jar.getFileName());
            String java = ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Process p = new ProcessBuilder(java, script.toString(), jar.toString(), upgraded.toString())
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("upgrading the old class files of " + jar + " failed:\n" + text);
            }
            log("%s: %s class files older than Java 6 rewritten as Java 8 (stack maps added)", jar.getFileName(),
                    text);
            out.add(upgraded);
        }
        return out;
    }

    /** Whether any class file of the jar has a major version below 50 (Java 6). */
    static boolean hasOldClasses(Path jar) throws IOException {
        try (JarFile in = new JarFile(jar.toFile())) {
            var entries = in.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.getName().endsWith(".class") || e.getName().endsWith("module-info.class")) {
                    continue;
                }
                try (DataInputStream is = new DataInputStream(in.getInputStream(e))) {
                    if (is.readInt() == 0xCAFEBABE) {
                        is.readUnsignedShort();
                        if (is.readUnsignedShort() < 50) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    // ---- descriptors -------------------------------------------------------------------------------------------

    private void describe(List<Path> jars, Map<Path, String> automatic, Path modules) throws IOException {
        String modulePath = jars.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
        Path gen = work.resolve("module-info");
        List<String> jdepsArgs = new ArrayList<>(List.of(
                "--generate-module-info", gen.toString(),
                "--multi-release", Integer.toString(jdkFeature),
                "--ignore-missing-deps",
                "--module-path", modulePath));
        automatic.keySet().forEach(j -> jdepsArgs.add(j.toString()));
        tool("jdeps", jdepsArgs);

        Set<String> optional = new HashSet<>(list("optionalRequires"));
        Set<String> knownPackages = new HashSet<>();
        ModuleFinder.ofSystem().findAll().forEach(r -> knownPackages.addAll(r.descriptor().packages()));
        ModuleFinder.of(jars.toArray(Path[]::new)).findAll().forEach(r -> knownPackages.addAll(r.descriptor().packages()));
        Map<String, List<String>> usesByModule = new HashMap<>();
        List<String> javacArgs = new ArrayList<>(List.of(
                "-d", work.resolve("module-classes").toString(),
                "--module-source-path", gen.toString(),
                "--module-path", modules.toString(),
                "-nowarn", "-Xlint:none"));
        for (Map.Entry<Path, String> e : automatic.entrySet()) {
            String name = e.getValue();
            Path info = gen.resolve(name).resolve("module-info.java");
            // with --multi-release jdeps writes versions/<N>/module-info.java; javac wants it at the module root
            Path versioned = gen.resolve(name).resolve("versions").resolve(Integer.toString(jdkFeature))
                    .resolve("module-info.java");
            if (!Files.isRegularFile(info) && Files.isRegularFile(versioned)) {
                Files.move(versioned, info);
            }
            if (!Files.isRegularFile(info)) {
                throw new IllegalStateException("jdeps wrote no descriptor for " + e.getKey().getFileName()
                        + " (module " + name + ") in " + gen);
            }
            List<String> uses = serviceUses(e.getKey());
            usesByModule.put(name, uses);
            Files.writeString(info, edit(Files.readString(info), optional, uses, classPackages(e.getKey()),
                    knownPackages));
            javacArgs.add("--patch-module");
            javacArgs.add(name + "=" + e.getKey());
        }
        javacArgs.add("--module");
        javacArgs.add(String.join(",", automatic.values()));
        tool("javac", javacArgs);

        for (Map.Entry<Path, String> e : automatic.entrySet()) {
            Path compiled = work.resolve("module-classes").resolve(e.getValue()).resolve("module-info.class");
            withDescriptor(e.getKey(), Files.readAllBytes(compiled), modules.resolve(e.getKey().getFileName()));
        }
        usesByModule.forEach((m, u) -> {
            if (!u.isEmpty()) {
                log("%s: uses %s", m, String.join(", ", u));
            }
        });
    }

    /**
     * Rewrites a jdeps-generated descriptor: an open module (as an automatic module is); the optional JDK requires
     * static; exports only of packages that hold classes (jdeps also lists packages with nothing but
     * package-info, which javac rejects); provides only of services whose package some module of the image has
     * (a provider for an absent optional library cannot be loaded anyway); and the {@code uses} found in its classes.
     */
    static String edit(String source, Set<String> optional, List<String> uses, Set<String> ownPackages,
            Set<String> knownPackages) {
        int open = source.indexOf('{');
        int close = source.lastIndexOf('}');
        String header = source.substring(0, open).trim();
        if (!header.startsWith("open ")) {
            header = "open " + header;
        }
        StringBuilder out = new StringBuilder(header).append(" {\n");
        for (String raw : source.substring(open + 1, close).split(";")) {
            String st = raw.replaceAll("\\s+", " ").trim();
            if (st.isEmpty()) {
                continue;
            }
            String[] w = st.split(" ");
            switch (w[0]) {
                case "requires" -> {
                    String target = w[w.length - 1];
                    if (optional.contains(target)) {
                        st = "requires static " + target;
                    }
                }
                case "exports", "opens" -> {
                    if (!ownPackages.contains(w[1])) {
                        continue;
                    }
                }
                case "provides" -> {
                    String service = w[1];
                    int dot = service.lastIndexOf('.');
                    if (dot < 0 || !knownPackages.contains(service.substring(0, dot))) {
                        continue;
                    }
                }
                default -> { }
            }
            out.append("    ").append(st).append(";\n");
        }
        for (String u : uses) {
            out.append("    uses ").append(u).append(";\n");
        }
        return out.append("}\n").toString();
    }

    /** Packages that hold at least one class (package-info alone does not count), versioned entries included. */
    private Set<String> classPackages(Path jar) throws IOException {
        Set<String> packages = new TreeSet<>();
        try (JarFile in = new JarFile(jar.toFile())) {
            var entries = in.entries();
            while (entries.hasMoreElements()) {
                String n = entries.nextElement().getName();
                if (!n.endsWith(".class") || n.endsWith("package-info.class") || n.endsWith("module-info.class")) {
                    continue;
                }
                if (n.startsWith("META-INF/versions/")) {
                    String[] parts = n.split("/", 4);
                    if (parts.length < 4 || !parts[2].matches("\\d+") || Integer.parseInt(parts[2]) > jdkFeature) {
                        continue;
                    }
                    n = parts[3];
                } else if (n.startsWith("META-INF/")) {
                    continue;
                }
                int slash = n.lastIndexOf('/');
                if (slash > 0) {
                    packages.add(n.substring(0, slash).replace('/', '.'));
                }
            }
        }
        return packages;
    }

    /** The jar rewritten with {@code module-info.class} at its root; signatures dropped, they no longer match. */
    private static void withDescriptor(Path jar, byte[] moduleInfo, Path target) throws IOException {
        try (JarFile in = new JarFile(jar.toFile());
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(target))) {
            var entries = in.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String n = e.getName();
                String upper = n.toUpperCase();
                if (n.equals("module-info.class")
                        || (upper.startsWith("META-INF/") && !upper.substring(9).contains("/")
                            && (upper.endsWith(".SF") || upper.endsWith(".RSA") || upper.endsWith(".DSA")
                                || upper.endsWith(".EC")))) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(n));
                try (InputStream is = in.getInputStream(e)) {
                    is.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("module-info.class"));
            out.write(moduleInfo);
            out.closeEntry();
        }
    }

    // ---- service uses, from the class files' constant pools ------------------------------------------------------

    /** A class file's own name, access flags and the class names its constant pool references. */
    record ClassInfo(String name, int access, Set<String> refs, boolean callsServiceLoader) {
        boolean publicType() {
            return (access & 0x0001) != 0;
        }

        boolean serviceShaped() {
            return (access & (0x0200 | 0x0400)) != 0 && (access & 0x2000) == 0 && (access & 0x4000) == 0;
        }
    }

    /**
     * The public interfaces and abstract classes of this jar that a {@code ServiceLoader}-calling class of the same
     * jar references: the services it may load. Over-approximates, which is harmless: {@code uses} only permits.
     */
    private static List<String> serviceUses(Path jar) throws IOException {
        Map<String, ClassInfo> classes = new HashMap<>();
        try (JarFile in = new JarFile(jar.toFile())) {
            var entries = in.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String n = e.getName();
                if (!n.endsWith(".class") || n.startsWith("META-INF/") || n.endsWith("module-info.class")) {
                    continue;
                }
                try (InputStream is = in.getInputStream(e)) {
                    ClassInfo c = readClass(is.readAllBytes());
                    if (c != null) {
                        classes.put(c.name(), c);
                    }
                }
            }
        }
        Set<String> uses = new TreeSet<>();
        for (ClassInfo c : classes.values()) {
            if (!c.callsServiceLoader()) {
                continue;
            }
            for (String ref : c.refs()) {
                ClassInfo t = classes.get(ref);
                if (t != null && t.publicType() && t.serviceShaped() && enclosingPublic(t.name(), classes)) {
                    uses.add(t.name().replace('/', '.').replace('$', '.'));
                }
            }
        }
        return new ArrayList<>(uses);
    }

    private static boolean enclosingPublic(String name, Map<String, ClassInfo> classes) {
        int dollar = name.lastIndexOf('$');
        while (dollar > 0) {
            name = name.substring(0, dollar);
            ClassInfo outer = classes.get(name);
            if (outer == null || !outer.publicType()) {
                return false;
            }
            dollar = name.lastIndexOf('$');
        }
        return true;
    }

    /** Reads just enough of a class file: its constant pool's class references and its access flags. */
    static ClassInfo readClass(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        if (in.readInt() != 0xCAFEBABE) {
            return null;
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        int[] refClass = new int[count];
        int[] refNat = new int[count];
        int[] natName = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                case 9, 10, 11 -> {
                    refClass[i] = in.readUnsignedShort();
                    refNat[i] = in.readUnsignedShort();
                }
                case 12 -> {
                    natName[i] = in.readUnsignedShort();
                    in.readUnsignedShort();
                }
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 17, 18 -> in.readInt();
                default -> throw new IOException("unknown constant pool tag " + tag + " at index " + i);
            }
        }
        int access = in.readUnsignedShort();
        int thisClass = in.readUnsignedShort();
        Set<String> refs = new HashSet<>();
        boolean loader = false;
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0) {
                refs.add(utf8[classNameIndex[i]]);
            }
            if (refClass[i] != 0) {
                String owner = utf8[classNameIndex[refClass[i]]];
                String method = utf8[natName[refNat[i]]];
                if ("java/util/ServiceLoader".equals(owner) && ("load".equals(method) || "loadInstalled".equals(method))) {
                    loader = true;
                }
            }
        }
        return new ClassInfo(utf8[classNameIndex[thisClass]], access, refs, loader);
    }

    // ---- startup archive -----------------------------------------------------------------------------------------

    /**
     * Runs the training run through the launcher itself (so the archive is made with the flags it will be used
     * with) and leaves the archive at the path the launcher looks for it.
     *
     * <p>One JVM run makes the archive, and an AOT cache maps every class it holds at every start, so the run is
     * the few client commands scripts call in loops, not a tour of all of them. Option {@code training} lists them
     * separated by {@code ||}; they run in one JVM through {@code flymq.cli.StartupTraining}. {@code @server@},
     * {@code @health@} and {@code @metrics@} stand for a broker that this build starts from the image for the
     * training (ephemeral loopback ports, data under {@code work}), so the archive holds the path of a command
     * that gets an answer, not only of one that fails to connect. Every command must exit 0.
     */
    private void train(Path launcher) throws Exception {
        String spec = opts.getOrDefault("training", "--help").trim();
        long t0 = System.nanoTime();
        TrainingBroker broker = spec.contains("@") ? TrainingBroker.start(launcher, work.resolve("training-broker"))
                : null;
        try {
            String line = broker == null ? spec : broker.fill(spec);
            List<String> args = Arrays.stream(line.split("\\s+")).filter(w -> !w.isEmpty()).toList();
            Path lib = image.resolve("lib");
            Path archive;
            int exit;
            if (jdkFeature >= 25) {
                archive = lib.resolve("flymq.aot");
                exit = launch(launcher, args, "-XX:AOTCacheOutput=" + archive, true);
            } else if (jdkFeature == 24) {
                Path conf = work.resolve("flymq.aotconf");
                archive = lib.resolve("flymq.aot");
                exit = launch(launcher, args, "-XX:AOTMode=record -XX:AOTConfiguration=" + conf, true);
                launch(launcher, args, "-XX:AOTMode=create -XX:AOTConfiguration=" + conf + " -XX:AOTCache=" + archive,
                        true);
            } else {
                // static AppCDS from the class list of the training run
                Path list = work.resolve("training.classlist");
                archive = lib.resolve("flymq.jsa");
                exit = launch(launcher, args, "-Xshare:off -XX:DumpLoadedClassList=" + list, true);
                launch(launcher, List.of("--version"),
                        "-Xshare:dump -XX:SharedClassListFile=" + list + " -XX:SharedArchiveFile=" + archive, false);
            }
            if (exit != 0) {
                throw new IllegalStateException("a training command failed (exit " + exit + "): " + line);
            }
            need(archive);
        } finally {
            if (broker != null) {
                broker.stop();
            }
        }
        log("startup archive trained in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /** The image's own broker, run for the training: `bin/flymq server start` on ephemeral loopback ports. */
    static final class TrainingBroker {
        private final Process process;
        private final Map<String, String> addresses;

        private TrainingBroker(Process process, Map<String, String> addresses) {
            this.process = process;
            this.addresses = addresses;
        }

        static TrainingBroker start(Path launcher, Path dataDir) throws Exception {
            deleteTree(dataDir);
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "server", "start",
                    "--bind-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                    "--data-dir", dataDir.toString()).redirectErrorStream(true);
            pb.environment().put("FLYMQ_STARTUP_ARCHIVE", "none");
            pb.environment().remove("FLYMQ_JAVA_OPTS");
            Process p = pb.start();
            p.getOutputStream().close();
            var ready = new java.util.concurrent.CompletableFuture<String>();
            StringBuilder output = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
                    for (String l; (l = in.readLine()) != null; ) {
                        synchronized (output) {
                            output.append(l).append('\n');
                        }
                        if (l.startsWith("ready:")) {
                            ready.complete(l);
                        }
                    }
                } catch (IOException e) {
                    ready.completeExceptionally(e);
                }
                ready.completeExceptionally(new IllegalStateException("the training broker exited"));
            }, "training-broker-output");
            reader.setDaemon(true);
            reader.start();
            String line;
            try {
                line = ready.get(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                synchronized (output) {
                    throw new IllegalStateException("the training broker did not print its ready line: " + e
                            + "\n" + output, e);
                }
            }
            // ready: protocol 127.0.0.1:40123, metrics 127.0.0.1:40125, health 127.0.0.1:40127
            Map<String, String> addresses = new HashMap<>();
            for (String part : line.substring("ready:".length()).split(",")) {
                String[] kv = part.trim().split("\\s+");
                if (kv.length == 2) {
                    addresses.put(kv[0], kv[1]);
                }
            }
            for (String k : List.of("protocol", "metrics", "health")) {
                if (!addresses.containsKey(k)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("no " + k + " address in the training broker's ready line: "
                            + line);
                }
            }
            log("training broker ready: %s", line);
            return new TrainingBroker(p, addresses);
        }

        String fill(String spec) {
            return spec.replace("@server@", addresses.get("protocol"))
                    .replace("@health@", "http://" + addresses.get("health"))
                    .replace("@metrics@", "http://" + addresses.get("metrics") + "/metrics");
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void need(Path archive) throws IOException {
        if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
            throw new IllegalStateException("training run wrote no startup archive at " + archive);
        }
        log("startup archive %s: %.1f MB", archive.getFileName(), Files.size(archive) / 1048576.0);
    }

    private int launch(Path launcher, List<String> args, String javaOpts, boolean training) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FLYMQ_JAVA_OPTS", javaOpts);
        pb.environment().put("FLYMQ_STARTUP_ARCHIVE", "none");
        if (training) {
            pb.environment().put("FLYMQ_MAIN_CLASS", "flymq.cli.StartupTraining");
        }
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("training run timed out: " + cmd);
        }
        String text = new String(out);
        if (text.contains("Error occurred during initialization") || text.contains("[error]")
                || text.contains("Exception in thread \"main\"")) {
            throw new IllegalStateException("training run failed: " + cmd + " with " + javaOpts + "\n" + text);
        }
        text.lines().filter(l -> l.startsWith("trained ")).forEach(l -> log("%s", l));
        if (p.exitValue() != 0) {
            log("training output:\n%s", text);
        }
        return p.exitValue();
    }

    // ---- tarball and files -------------------------------------------------------------------------------------

    private void pack(Path tarball, String root) throws Exception {
        Files.deleteIfExists(tarball);
        Path staging = work.resolve("tar");
        deleteTree(staging);
        Files.createDirectories(staging);
        Files.createSymbolicLink(staging.resolve(root), image.toAbsolutePath());
        Process p = new ProcessBuilder("tar", "-C", staging.toString(), "-czhf", tarball.toString(), root)
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar failed with exit " + p.exitValue() + " for " + tarball);
        }
        log("tarball %s: %.1f MB", tarball.getFileName(), Files.size(tarball) / 1048576.0);
    }

    private static ModuleDescriptor descriptor(Path jar) {
        try {
            Set<ModuleReference> refs = ModuleFinder.of(jar).findAll();
            return refs.iterator().next().descriptor();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read " + jar + " as a module: " + e.getMessage(), e);
        }
    }

    private static void tool(String name, List<String> args) {
        long t0 = System.nanoTime();
        try {
            runTool(name, args);
        } finally {
            log("%s took %.1f s", name, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void runTool(String name, List<String> args) {
        ToolProvider t = ToolProvider.findFirst(name)
                .orElseThrow(() -> new IllegalStateException("this JDK (" + System.getProperty("java.home")
                        + ") has no " + name + " tool"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = t.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException(name + " failed (exit " + rc + ")\nargs: " + String.join(" ", args)
                    + "\n" + out + err);
        }
        String noise = (out.toString() + err).lines()
                .filter(l -> !l.startsWith("writing to ") && !l.isBlank())
                // jdeps sees each input jar twice (input and module path): not a real split package
                .filter(l -> !selfSplit(l))
                .filter(l -> !l.contains("--ignore-missing-deps specified"))
                .collect(Collectors.joining("\n"));
        if (!noise.isEmpty()) {
            log("%s: %s", name, noise);
        }
    }

    private static boolean selfSplit(String line) {
        if (!line.startsWith("Warning: split package:")) {
            return false;
        }
        String[] w = line.trim().split("\\s+");
        return w.length == 6 && w[4].replaceFirst("^file://", "").equals(w[5]);
    }

    private static void log(String fmt, Object... args) {
        System.out.println("[flymq-jlink] " + String.format(fmt, args));
    }

    static long treeSize(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
