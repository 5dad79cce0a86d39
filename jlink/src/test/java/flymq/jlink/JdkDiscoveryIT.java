package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * .mvn/find-jdk.sh, which ./mvnw, ./flymq and .ci/run source: it must find a JDK 21+ when the java on PATH and in
 * JAVA_HOME is older, and say so in one line when there is none.
 */
class JdkDiscoveryIT {
    private static final Path SCRIPT = Path.of("..", ".mvn", "find-jdk.sh").toAbsolutePath().normalize();

    /** A fake JDK home: a release file naming its version, and java/javac that are never run. */
    private static Path fakeJdk(Path root, String name, String version) throws IOException {
        Path home = Files.createDirectories(root.resolve(name));
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path p = bin.resolve(tool);
            Files.writeString(p, "#!/bin/sh\nexit 99\n");
            p.toFile().setExecutable(true);
        }
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    private static ImageProcess.Result find(Map<String, String> env) throws Exception {
        return ImageProcess.run(env, Path.of("/bin/sh"), "-c",
                "set -euf; . '" + SCRIPT + "'; flymq_find_jdk && echo \"JAVA_HOME=$JAVA_HOME\"");
    }

    @Test
    void picksTheNewestJdk21PlusFromTheInstallFoldersWhenPathAndJavaHomeAreOlder(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir, "jdk-17", "17.0.15");
        fakeJdk(dir, "jdk-21", "21.0.4");
        Path newest = fakeJdk(dir, "jdk-25", "25.0.3");
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", old.toString());
        env.put("PATH", old.resolve("bin") + ":/usr/bin:/bin");
        env.put("FLYMQ_JDK_DIRS", dir + "/*");

        var r = find(env);

        assertEquals(0, r.exit(), r.out());
        assertEquals("JAVA_HOME=" + newest, r.out().strip());
    }

    @Test
    void keepsAJavaHomeThatIsAlready21OrNewer(@TempDir Path dir) throws Exception {
        Path mine = fakeJdk(dir, "mine", "21.0.1");
        fakeJdk(dir, "jdk-25", "25.0.3");
        var r = find(Map.of("JAVA_HOME", mine.toString(), "PATH", "/usr/bin:/bin", "FLYMQ_JDK_DIRS", dir + "/*"));

        assertEquals(0, r.exit(), r.out());
        assertEquals("JAVA_HOME=" + mine, r.out().strip());
    }

    @Test
    void saysInOneLineThatThereIsNoJdk21(@TempDir Path dir) throws Exception {
        Path old = fakeJdk(dir, "jdk-17", "17.0.15");
        var r = find(Map.of("JAVA_HOME", old.toString(), "PATH", old.resolve("bin") + ":/usr/bin:/bin",
                "FLYMQ_JDK_DIRS", dir + "/*"));

        assertNotEquals(0, r.exit());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().contains("no JDK 21 or newer found"), r.out());
    }
}
