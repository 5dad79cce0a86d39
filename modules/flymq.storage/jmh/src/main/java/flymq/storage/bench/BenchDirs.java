package flymq.storage.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Benchmark data lives on the disk under test: {@code -Dflymq.bench.dir} or java.io.tmpdir (never tmpfs by default). */
final class BenchDirs {

    private BenchDirs() {}

    static Path create(String prefix) throws IOException {
        String base = System.getProperty("flymq.bench.dir", System.getProperty("java.io.tmpdir"));
        Path root = Path.of(base);
        Files.createDirectories(root);
        return Files.createTempDirectory(root, prefix);
    }

    static void delete(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
