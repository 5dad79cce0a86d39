package flymq.broker.dlq;

import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.storage.StoredRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What one queue topic's log says (its {@link DeadLetterRecord}s folded): the dead letters not replayed yet, the
 * failures each group reported per origin record, and replays begun but not finished. Built by reading the log from
 * its start and brought up to date by reading what was appended since ({@link #refresh}); it holds no state of its
 * own, so a restart, a purge (the topic is deleted, a new log starts) or a new leader after failover rebuilds it
 * from the log. Memory: the dead letters' keys and values, and a few numbers per failure.
 */
final class QueueView {
    private static final int READ_RECORDS = 1000;
    private static final int READ_BYTES = 4 << 20;

    /** One origin record as failed by one group. */
    record Failed(String group, String topic, int partition, long offset) {
    }

    private final PartitionLog log;
    private long next;
    private final NavigableMap<Long, DeadLetterRecord> dead = new TreeMap<>();
    private final Map<Long, DeadLetterRecord> replayed = new HashMap<>();
    private final Map<Long, DeadLetterRecord> replaying = new HashMap<>();
    private final Map<Failed, List<DeadLetterRecord>> failures = new HashMap<>();
    private final Map<Failed, Long> deadByFailure = new HashMap<>();

    QueueView(PartitionLog log) {
        this.log = log;
    }

    PartitionLog log() {
        return log;
    }

    /** Reads what was appended since the last call. */
    synchronized QueueView refresh() {
        long start = log.startOffset();
        if (next < start) {
            next = start; // retention removed the oldest records: what they said is gone with them
            dead.headMap(start).clear();
        }
        while (next < log.endOffset()) {
            List<StoredRecord> batch;
            try {
                batch = log.read(next, READ_RECORDS, READ_BYTES);
            } catch (OffsetOutOfRangeException e) {
                next = log.startOffset();
                continue;
            }
            if (batch.isEmpty()) {
                break;
            }
            for (StoredRecord r : batch) {
                fold(DeadLetterRecord.of(r));
                next = r.offset() + 1;
            }
        }
        return this;
    }

    private void fold(DeadLetterRecord r) {
        if (r == null) {
            return;
        }
        switch (r.kind()) {
            case DeadLetterRecord.DEAD -> {
                dead.put(r.offset(), r);
                if (!r.header(DeadLetterRecord.GROUP).isEmpty()) {
                    deadByFailure.put(failed(r), r.offset());
                }
            }
            case DeadLetterRecord.RETRY -> failures.computeIfAbsent(failed(r), k -> new ArrayList<>()).add(r);
            case DeadLetterRecord.REPLAYING -> replaying.put(r.longHeader(DeadLetterRecord.REPLAY_OF), r);
            case DeadLetterRecord.REPLAYED -> {
                long of = r.longHeader(DeadLetterRecord.REPLAY_OF);
                replayed.put(of, r);
                replaying.remove(of);
            }
            default -> {
            }
        }
    }

    private static Failed failed(DeadLetterRecord r) {
        return new Failed(r.header(DeadLetterRecord.GROUP), r.header(DeadLetterRecord.ORIGIN_TOPIC),
                (int) r.longHeader(DeadLetterRecord.ORIGIN_PARTITION), r.longHeader(DeadLetterRecord.ORIGIN_OFFSET));
    }

    /** Dead letters not replayed, oldest first, at most {@code max}. */
    synchronized List<DeadLetterRecord> pending(int max) {
        List<DeadLetterRecord> out = new ArrayList<>();
        for (DeadLetterRecord r : dead.values()) {
            if (out.size() >= max) {
                break;
            }
            if (!replayed.containsKey(r.offset())) {
                out.add(r);
            }
        }
        return out;
    }

    /** Dead letters not replayed. */
    synchronized long depth() {
        long n = 0;
        for (Long offset : dead.keySet()) {
            if (!replayed.containsKey(offset)) {
                n++;
            }
        }
        return n;
    }

    synchronized DeadLetterRecord dead(long offset) {
        return dead.get(offset);
    }

    synchronized DeadLetterRecord replayedMark(long deadOffset) {
        return replayed.get(deadOffset);
    }

    synchronized DeadLetterRecord replayingMark(long deadOffset) {
        return replaying.get(deadOffset);
    }

    /** The failures {@code f}'s group reported that left it retries, oldest first. */
    synchronized List<DeadLetterRecord> failures(Failed f) {
        return List.copyOf(failures.getOrDefault(f, List.of()));
    }

    /** The offset of the dead letter a group's failures produced for {@code f}, or -1. */
    synchronized long deadLetterOf(Failed f) {
        return deadByFailure.getOrDefault(f, -1L);
    }
}
