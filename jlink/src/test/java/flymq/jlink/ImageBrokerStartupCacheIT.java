package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's own startup cache ({@code bin/flymq}, docs/runtime-image.md "Broker startup cache"): the first
 * {@code server start} trains it and writes it when it stops, the next start maps it, and a damaged or foreign cache
 * never stops a start. Whether the JVM uses a cache is read from the broker's {@code /proc/PID/maps}: the JVM maps
 * the file it uses and no other. The cache folder is a temporary one ({@code FLYMQ_BROKER_CACHE_DIR}), so the tests
 * never write into the image.
 */
class ImageBrokerStartupCacheIT {
    /** A training broker writes the cache at its exit: seconds of CPU, far more on a loaded build machine. */
    private static final long STOP_SECONDS = 300;

    /** What each broker printed after its ready line, for the failure messages. */
    private final Map<ImageProcess.Server, StringWriter> output = new java.util.HashMap<>();

    private ImageProcess.Server start(Path data, Map<String, String> env) throws Exception {
        StringWriter rest = new StringWriter();
        ImageProcess.Server server = ImageProcess.startServer("broker", rest, env, "--bind-addr", "127.0.0.1:0",
                "--data-dir", data.toString(), "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:0");
        output.put(server, rest);
        return server;
    }

    /**
     * Stops it with SIGTERM and returns what it printed after its ready line. Through its handle: Process.destroy()
     * also closes the pipes, and the JVM that writes the cache at the exit of a training start dies writing its
     * progress lines to a closed pipe (a supervisor keeps reading a broker's output until it exits).
     */
    private String stop(ImageProcess.Server server) throws Exception {
        server.process().toHandle().destroy();
        assertTrue(server.process().waitFor(STOP_SECONDS, TimeUnit.SECONDS), "the broker stops on SIGTERM");
        server.awaitOutput();
        String out = output.remove(server).toString();
        assertEquals(0, server.process().exitValue(), "a graceful stop:\n" + out);
        return out;
    }

    /** The files of the running JVM that are mapped and end in {@code .aot}. */
    private static List<String> mappedArchives(ImageProcess.Server server) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/" + server.process().pid() + "/maps"))) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(f -> f.endsWith(".aot")).distinct()
                    .map(f -> Path.of(f).normalize().toString()).toList();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path onlyCache(Path dir, String output) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> caches = files.filter(p -> p.getFileName().toString().matches("flymq-broker-\\d+-\\d+\\.aot"))
                    .toList();
            assertEquals(1, caches.size(), "one cache in " + names(dir) + "; the broker printed:\n" + output);
            return caches.get(0);
        }
    }

    @Test
    void theFirstStartTrainsTheCacheTheNextMapsItAndADamagedOneIsTrainedAgain(@TempDir Path dir) throws Exception {
        Path cacheDir = Files.createDirectory(dir.resolve("cache"));
        Map<String, String> env = Map.of("FLYMQ_BROKER_CACHE_DIR", cacheDir.toString());
        // the cache of an image that was replaced in place: another lib/modules, so another name
        Files.writeString(cacheDir.resolve("flymq-broker-1-1.aot"), "an older image's cache");
        Files.writeString(cacheDir.resolve("flymq-broker-1-1.aot.ready"), "");

        ImageProcess.Server training = start(dir.resolve("data1"), env);
        assertEquals(List.of(), mappedArchives(training).stream().filter(f -> f.contains("flymq-broker-")).toList(),
                "a training start maps no broker cache");
        assertFalse(Files.exists(cacheDir.resolve("flymq-broker-1-1.aot")), "the older image's cache is gone");
        String trained = stop(training);
        Path cache = onlyCache(cacheDir, trained);
        assertTrue(Files.size(cache) > 1 << 20, "the JVM wrote the cache at the training broker's exit");
        assertTrue(Files.exists(cacheDir.resolve(cache.getFileName() + ".ready")), names(cacheDir).toString());

        ImageProcess.Server using = start(dir.resolve("data2"), env);
        assertEquals(List.of(cache.toString()), mappedArchives(using), "the second start maps the cache, only it");
        stop(using);

        // a damaged header: without the launcher's checksum the JVM crashes on this one
        try (RandomAccessFile f = new RandomAccessFile(cache.toFile(), "rw")) {
            f.seek(300);
            f.writeInt(0xffffffff);
            f.seek(f.length() / 2);
            f.writeInt(0x5a5a5a5a);
        }
        ImageProcess.Server damaged = start(dir.resolve("data3"), env);
        assertEquals(List.of(), mappedArchives(damaged), "the damaged cache is not mapped");
        stop(damaged);
        assertFalse(Files.exists(cache), "the broker deleted the cache the JVM refused: " + names(cacheDir));

        ImageProcess.Server again = start(dir.resolve("data4"), env);
        assertEquals(List.of(), mappedArchives(again), "the start after it trains again");
        String retrained = stop(again);
        assertEquals(cache, onlyCache(cacheDir, retrained), "trained again under the same name");
        assertTrue(Files.exists(cacheDir.resolve(cache.getFileName() + ".ready")));
    }

    @Test
    void withoutAWritableCacheFolderTheBrokerUsesTheShippedArchive(@TempDir Path dir) throws Exception {
        Path shipped = ImageProcess.image().resolve("lib/flymq.aot").normalize();
        Path notAFolder = Files.writeString(dir.resolve("file"), "");
        for (Map<String, String> env : List.of(Map.of("FLYMQ_BROKER_CACHE_DIR", notAFolder.toString()),
                Map.of("FLYMQ_BROKER_CACHE_DIR", dir.resolve("missing").toString()),
                Map.of("FLYMQ_BROKER_CACHE_DIR", "none"))) {
            ImageProcess.Server server = start(dir.resolve("data"), env);
            assertEquals(List.of(shipped.toString()), mappedArchives(server), env.toString());
            stop(server);
        }
        assertEquals(List.of("data", "file"), names(dir), "nothing written");
    }

    @Test
    void anArchiveOptionOfTheUsersOwnLeavesTheBrokerCacheOut(@TempDir Path dir) throws Exception {
        Path cacheDir = Files.createDirectory(dir.resolve("cache"));
        // beside -XX:AOTCacheOutput the JVM would refuse to start; AOTMode=on is meant for the shipped archive
        ImageProcess.Server server = start(dir.resolve("data"), Map.of("FLYMQ_BROKER_CACHE_DIR", cacheDir.toString(),
                "FLYMQ_JAVA_OPTS", "-XX:AOTMode=on"));
        assertEquals(List.of(ImageProcess.image().resolve("lib/flymq.aot").normalize().toString()),
                mappedArchives(server));
        stop(server);
        assertEquals(List.of(), names(cacheDir));
    }
}
