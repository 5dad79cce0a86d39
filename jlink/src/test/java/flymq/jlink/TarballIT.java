package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release tarball: it exists and unpacks, anywhere, to an image that runs. */
class TarballIT {

    @Test
    void unpacksToAWorkingImageWithItsStartupArchive(@TempDir Path dir) throws Exception {
        Path tarball = ImageProcess.tarball();
        assertTrue(Files.isRegularFile(tarball), "missing " + tarball);
        var untar = ImageProcess.run(Map.of(), Path.of("/bin/sh"), "-c",
                "tar -xzf '" + tarball + "' -C '" + dir + "'");
        assertEquals(0, untar.exit(), untar.out());

        Path root = dir.resolve("flymq-" + ImageProcess.version());
        Path flymq = root.resolve("bin/flymq");
        assertTrue(Files.isExecutable(flymq), "no executable bin/flymq under " + root);
        // the archive must still be valid after unpacking elsewhere: AOTMode=on / -Xshare:on refuse a bad one
        String strict = Files.isRegularFile(root.resolve("lib/flymq.aot")) ? "-XX:AOTMode=on" : "-Xshare:on";
        var r = ImageProcess.run(Map.of("PATH", "/usr/bin:/bin", "FLYMQ_JAVA_OPTS", strict), flymq, "--version");
        assertEquals(0, r.exit(), r.out());
        assertEquals("flymq " + ImageProcess.version(), r.out().strip());
    }
}
