package flymq.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.StorageFaults.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StorageFaultsTest {

    /** Keeps what was logged, as "LEVEL message". */
    static final class RecordingLogger implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }
    }

    private static StorageException full() {
        return new StorageException("cannot append to t-0",
                new IOException("No space left on device"));
    }

    @Test
    void aThousandFailuresLogOneWarningAndTheRecoveryOneInfo() {
        RecordingLogger log = new RecordingLogger();
        AtomicInteger counted = new AtomicInteger();
        StorageFaults faults = new StorageFaults(new StorageListener() {
            @Override
            public void storageFailed(String kind) {
                assertEquals("no_space", kind);
                counted.incrementAndGet();
            }
        }, log);
        faults.succeeded();
        assertEquals(List.of(), log.lines);
        for (int i = 0; i < 1000; i++) {
            faults.failed("append to t-0", full());
        }
        assertEquals(1000, counted.get());
        assertEquals(1, log.lines.size(), log.lines.toString());
        assertTrue(log.lines.get(0).startsWith("WARNING storage: writes are failing (no space left on device)"),
                log.lines.get(0));
        assertEquals(Optional.of(Kind.NO_SPACE), faults.failing());
        faults.succeeded();
        faults.succeeded();
        assertEquals(2, log.lines.size());
        assertTrue(log.lines.get(1).startsWith("INFO storage: writes succeed again after 1000 failed operation(s)"),
                log.lines.get(1));
        assertEquals(Optional.empty(), faults.failing());
    }

    @Test
    void aNewCauseWhileFailingIsAStateChangeAndLogsAgain() {
        RecordingLogger log = new RecordingLogger();
        StorageFaults faults = new StorageFaults(StorageListener.NONE, log);
        faults.failed("append", full());
        faults.failed("append", full());
        faults.failed("flush", new StorageException("x", new AccessDeniedException("/data/logs/t-0/0.log")));
        faults.failed("flush", new StorageException("x", new AccessDeniedException("/data/logs/t-0/0.log")));
        assertEquals(2, log.lines.size(), log.lines.toString());
        assertEquals(Optional.of(Kind.READ_ONLY), faults.failing());
    }

    @Test
    void causesAreClassifiedFromTheWholeChain() {
        assertEquals(Kind.NO_SPACE, StorageFaults.classify(full()));
        assertEquals(Kind.NO_SPACE, StorageFaults.classify(new UncheckedIOException(
                new FileSystemException("/d/x", null, "No space left on device"))));
        assertEquals(Kind.READ_ONLY, StorageFaults.classify(new StorageException("cannot write",
                new FileSystemException("/d/x", null, "Read-only file system"))));
        assertEquals(Kind.READ_ONLY, StorageFaults.classify(new AccessDeniedException("/d/x")));
        assertEquals(Kind.MISSING_FILE, StorageFaults.classify(new StorageException("gone",
                new NoSuchFileException("/d/logs/t-0/00000000000000000000.log"))));
        assertEquals(Kind.IO_ERROR, StorageFaults.classify(new StorageException("cannot fsync",
                new IOException("Input/output error"))));
    }
}
