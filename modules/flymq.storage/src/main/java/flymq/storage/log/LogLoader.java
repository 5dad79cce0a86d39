package flymq.storage.log;

import flymq.storage.FileModes;
import flymq.storage.StorageException;
import flymq.storage.segment.LogSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Recovery of one partition log on open: the only place that decides what on disk is trusted.
 *
 * <ol>
 *   <li>Leftovers are removed: temp files, and index files whose .log is gone.</li>
 *   <li>A segment that lies wholly below the recovery point ({@link RecoveryCheckpoint}) is trusted if its indexes
 *       are sealed (cut to their entries) and the few records after its last index entry end exactly where the next
 *       segment begins. That costs one index-interval of reading per segment, whatever the log size.</li>
 *   <li>Otherwise the segment is CRC-scanned: the segment holding the recovery point from its index entry at or
 *       before that point (so only the unflushed tail is read), later segments and segments that failed step 2 from
 *       their start, with their index entries re-derived. With no recovery point every segment is scanned.</li>
 *   <li>The first invalid record (torn, impossible length, CRC mismatch, wrong offset) ends the log: its segment is
 *       truncated there and every later segment is deleted, so nothing after damage is ever served while everything
 *       before it is kept.</li>
 *   <li>Every kept segment's time index gets a cheap sanity check ({@link LogSegment#timeIndexProblem()}); one that
 *       fails is rebuilt from the .log, so a plausible-but-wrong time index never steers a seek or time retention.</li>
 * </ol>
 *
 * <p>Damage below the recovery point is not looked for here (that would make recovery cost the whole log): bit rot
 * in a checkpointed record is found by the first read that reaches it, which then fails with a
 * {@code CorruptRecordException} naming the file, position and offset, and the segment fences the damage off
 * (reads end before it, reads at or after it fail) - see {@link LogSegment#damagedOffset()}.
 */
final class LogLoader {

    private static final System.Logger LOG = System.getLogger(LogLoader.class.getName());
    private static final Pattern LOG_FILE = Pattern.compile("(\\d{20})\\.log");
    private static final Pattern INDEX_FILE = Pattern.compile("(\\d{20})\\.(index|timeindex|expiring)");

    private LogLoader() {}

    /**
     * A time index that fails {@link LogSegment#timeIndexProblem()} is rebuilt from the .log (with the offset index),
     * so seeks by timestamp and time retention never act on entries that disagree with the records.
     */
    private static void checkTimeIndex(LogSegment seg, String logName, boolean sealed) throws IOException {
        String problem = seg.timeIndexProblem();
        if (problem == null) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "{0}: rebuilding the indexes of {1}: time index {2}: {3}", logName,
                seg.logFile(), seg.timeIndexFile(), problem);
        try {
            seg.rebuildIndexes(sealed);
        } catch (StorageException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: cannot rebuild the indexes of {1} ({2}); its time index is "
                    + "dropped and its greatest timestamp treated as unknown", logName, seg.logFile(), e.getMessage());
            seg.distrustTimeIndex();
        }
    }

    /** The recovered segments, oldest first; never empty (an empty log gets one empty segment at offset 0). */
    static List<LogSegment> load(Path dir, String logName, OptionalLong recoveryPoint, int indexCapacity, long nowMs) {
        try {
            FileModes.createDirectories(dir);
            List<Long> bases = new ArrayList<>();
            List<Path> indexFiles = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    Matcher m = LOG_FILE.matcher(name);
                    if (m.matches()) {
                        bases.add(Long.parseLong(m.group(1)));
                    } else if (INDEX_FILE.matcher(name).matches()) {
                        indexFiles.add(f);
                    } else if (name.endsWith(".tmp") || name.endsWith(".cleaned")) {
                        Files.deleteIfExists(f);
                    }
                }
            }
            bases.sort(null);
            for (Path f : indexFiles) {
                Matcher m = INDEX_FILE.matcher(f.getFileName().toString());
                if (m.matches() && !bases.contains(Long.parseLong(m.group(1)))) {
                    Files.deleteIfExists(f);
                }
            }
            List<LogSegment> segments = new ArrayList<>();
            if (bases.isEmpty()) {
                segments.add(LogSegment.create(dir, 0, indexCapacity, nowMs));
                return segments;
            }
            long rp = recoveryPoint.orElse(-1);
            for (int i = 0; i < bases.size(); i++) {
                long base = bases.get(i);
                boolean last = i == bases.size() - 1;
                long nextBase = last ? Long.MAX_VALUE : bases.get(i + 1);
                LogSegment seg = LogSegment.openExisting(dir, base, nowMs);
                seg.openIndexes(nextBase, last ? indexCapacity : 0);
                segments.add(seg);
                if (!last && rp >= nextBase && seg.indexesLookSealed() && seg.verifyTail(nextBase)) {
                    checkTimeIndex(seg, logName, true);
                    continue;
                }
                LogSegment.ScanResult r = seg.recover(rp > base && rp < nextBase ? rp : base);
                boolean gap = !last && r.nextOffset() != nextBase;
                if (r.damaged() || gap) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: recovery truncates {1} at position {2} (offset {3}) "
                                    + "of {4} bytes: {5}; {6} later segment(s) dropped", logName, seg.logFile(),
                            r.validEnd(), r.nextOffset(), r.fileSize(),
                            r.problem() != null ? r.problem() : "segment ends before the next one begins",
                            bases.size() - i - 1);
                    seg.truncateTo(r.validEnd());
                    for (int j = i + 1; j < bases.size(); j++) {
                        LogSegment later = LogSegment.openExisting(dir, bases.get(j), nowMs);
                        later.openIndexes(Long.MAX_VALUE, 0);
                        later.delete();
                    }
                    break;
                }
                if (!last) {
                    seg.seal();
                }
                checkTimeIndex(seg, logName, !last);
            }
            return segments;
        } catch (IOException e) {
            throw new StorageException("cannot recover log " + logName + " in " + dir + ": " + e, e);
        }
    }
}
