package flymq.raft;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The test state machine: an append-only log of (commit index, command) pairs, so a checker can see exactly which
 * commands a member applied, at which index and how often. Snapshots carry the whole history in chunks of
 * {@value #ENTRIES_PER_CHUNK} entries.
 */
final class RegisterLog implements ReplicatedStateMachine<Long> {

    static final int ENTRIES_PER_CHUNK = 64;

    record Applied(long index, String command) {
    }

    private final List<Applied> applied = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private int snapshotsInstalled;

    @Override
    public synchronized Long apply(long commitIndex, byte[] command) {
        if (!applied.isEmpty() && commitIndex <= applied.getLast().index()) {
            violations.add("index " + commitIndex + " applied after " + applied.getLast().index());
        }
        String text = new String(command, StandardCharsets.UTF_8);
        if (text.startsWith("reject:")) {
            throw new IllegalArgumentException("command rejected by the state machine: " + text);
        }
        applied.add(new Applied(commitIndex, text));
        return (long) applied.size();
    }

    @Override
    public synchronized void takeSnapshot(long commitIndex, Consumer<byte[]> chunks) {
        for (int from = 0; from < applied.size(); from += ENTRIES_PER_CHUNK) {
            List<Applied> part = applied.subList(from, Math.min(applied.size(), from + ENTRIES_PER_CHUNK));
            int size = 4;
            List<byte[]> texts = new ArrayList<>();
            for (Applied a : part) {
                byte[] t = a.command().getBytes(StandardCharsets.UTF_8);
                texts.add(t);
                size += 12 + t.length;
            }
            ByteBuffer buf = ByteBuffer.allocate(size).putInt(part.size());
            for (int i = 0; i < part.size(); i++) {
                buf.putLong(part.get(i).index()).putInt(texts.get(i).length).put(texts.get(i));
            }
            chunks.accept(buf.array());
        }
    }

    @Override
    public synchronized void installSnapshot(long commitIndex, List<byte[]> chunks) {
        applied.clear();
        for (byte[] chunk : chunks) {
            ByteBuffer buf = ByteBuffer.wrap(chunk);
            if (!buf.hasRemaining()) {
                continue; // the empty chunk of an empty snapshot
            }
            int n = buf.getInt();
            for (int i = 0; i < n; i++) {
                long index = buf.getLong();
                byte[] text = new byte[buf.getInt()];
                buf.get(text);
                applied.add(new Applied(index, new String(text, StandardCharsets.UTF_8)));
            }
        }
        snapshotsInstalled++;
    }

    synchronized List<Applied> applied() {
        return List.copyOf(applied);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized int snapshotsInstalled() {
        return snapshotsInstalled;
    }
}
