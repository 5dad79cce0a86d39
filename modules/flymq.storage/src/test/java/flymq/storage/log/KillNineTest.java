package flymq.storage.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.LogConfig;
import flymq.storage.StorageListener;
import flymq.storage.StoredRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills (SIGKILL) a JVM that appends with fsync per batch; every batch it acknowledged must be there after reopen. */
class KillNineTest {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRecordSurvivesKillNine() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String modulePath = System.getProperty("jdk.module.path");
        String testClasses = System.getProperty("flymq.test.classes", Path.of("target/test-classes").toString());
        List<String> cmd = List.of(java, "-Xshare:auto", "-p", modulePath,
                "--patch-module", "flymq.storage=" + testClasses,
                "-m", "flymq.storage/" + AppendingChild.class.getName(), dir.toString());
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long acknowledgedEnd = 0;
        int acks = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("ack ")) {
                    String[] parts = line.split(" ");
                    long first = Long.parseLong(parts[1]);
                    assertEquals(acknowledgedEnd, first, "acks are contiguous");
                    acknowledgedEnd = first + Integer.parseInt(parts[2]);
                    if (++acks == 200) {
                        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close, mid-append
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        }
        assertEquals(200, acks, "the child acknowledged 200 batches before it was killed");
        assertEquals(137, child.exitValue(), "killed by SIGKILL");

        try (SegmentedLog log = SegmentedLog.open(dir, "kill", 0, LogConfig.defaults(), StorageListener.NONE,
                System::currentTimeMillis)) {
            assertTrue(log.endOffset() >= acknowledgedEnd,
                    "end " + log.endOffset() + " lost acknowledged records below " + acknowledgedEnd);
            List<StoredRecord> all = new ArrayList<>();
            long next = 0;
            while (next < log.endOffset()) {
                List<StoredRecord> got = log.read(next, 500, 1 << 20);
                all.addAll(got);
                next += got.size();
            }
            for (StoredRecord r : all) {
                assertArrayEquals(AppendingChild.record(r.offset()).value(), r.value(), "offset " + r.offset());
            }
            assertTrue(log.segmentCount() > 1, "the run crossed segment rolls");
        }
    }
}
