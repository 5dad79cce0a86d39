package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkout's {@code ./flymq} on a fresh clone: it builds first and shows the build moving (one line per module)
 * instead of staying silent for a minute. Runs the real script against a stand-in {@code mvnw} in a copy of the
 * script's folder, so it takes milliseconds.
 */
class FirstRunBuildIT {
    private static final Path SCRIPT = Path.of("..", "flymq").toAbsolutePath().normalize();

    /** A folder holding ./flymq and a fake ./mvnw that prints {@code mavenOutput} and exits with {@code exit}. */
    private static Path checkout(Path dir, String mavenOutput, int exit, boolean linksImage) throws IOException {
        Files.copy(SCRIPT, dir.resolve("flymq"), StandardCopyOption.COPY_ATTRIBUTES);
        String link = linksImage ? "mkdir -p \"$here/jlink/target/flymq/bin\"\n"
                + "printf '#!/bin/sh\\necho \"image ran: $*\"\\n' > \"$here/jlink/target/flymq/bin/flymq\"\n"
                + "chmod +x \"$here/jlink/target/flymq/bin/flymq\"\n" : "";
        Path mvnw = dir.resolve("mvnw");
        Files.writeString(mvnw, "#!/bin/sh\nhere=$(cd \"$(dirname \"$0\")\" && pwd)\ncat <<'OUT'\n" + mavenOutput
                + "OUT\n" + link + "exit " + exit + "\n");
        assertTrue(mvnw.toFile().setExecutable(true));
        return dir.resolve("flymq");
    }

    private static final String REACTOR = """
            [INFO] Scanning for projects...
            [INFO] Building FlyMQ 0.1.0-SNAPSHOT                                      [1/3]
            [INFO] Compiling 14 source files with javac [debug release 21 module-path] to target/classes
            [INFO] Building FlyMQ protocol 0.1.0-SNAPSHOT                             [2/3]
            [INFO] Building FlyMQ runtime image 0.1.0-SNAPSHOT                        [3/3]
            """;

    @Test
    void aFirstRunPrintsOneLinePerModuleThenRunsTheImageItBuilt(@TempDir Path dir) throws Exception {
        Path flymq = checkout(dir, REACTOR + "[INFO] BUILD SUCCESS\n", 0, true);

        var r = ImageProcess.run(Map.of(), flymq, "topic", "list");

        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().startsWith("flymq: first run, building"), r.out());
        assertTrue(r.out().contains("flymq: [1/3] FlyMQ 0.1.0-SNAPSHOT\n"), r.out());
        assertTrue(r.out().contains("flymq: [2/3] FlyMQ protocol 0.1.0-SNAPSHOT\n"), r.out());
        assertTrue(r.out().contains("flymq: [3/3] FlyMQ runtime image 0.1.0-SNAPSHOT\n"), r.out());
        assertTrue(r.out().endsWith("flymq: built\nimage ran: topic list\n"), r.out());
        assertTrue(!r.out().contains("Compiling"), "Maven's own lines stay in the log:\n" + r.out());
        assertTrue(Files.readString(dir.resolve("target/first-build.log")).contains("Compiling 14 source files"));
    }

    @Test
    void aFailedBuildShowsTheTailOfTheLogAndExitsOne(@TempDir Path dir) throws Exception {
        Path flymq = checkout(dir, REACTOR + "[ERROR] COMPILATION ERROR : Foo.java:[3,1] ';' expected\n", 1, false);

        var r = ImageProcess.run(Map.of(), flymq, "server", "start");

        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("flymq: [2/3] FlyMQ protocol 0.1.0-SNAPSHOT\n"), r.out());
        assertTrue(r.out().contains("[ERROR] COMPILATION ERROR : Foo.java:[3,1] ';' expected"), r.out());
        assertTrue(r.out().contains("flymq: the build failed (exit 1); the whole output is in "
                + dir.resolve("target/first-build.log")), r.out());
    }
}
