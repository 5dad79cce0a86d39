package flymq.broker.replication;

import flymq.raft.ReplicatedStateMachine;
import flymq.storage.Header;
import flymq.storage.PartitionLog;
import flymq.storage.Record;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One partition's replicated log: every replica appends each committed batch to its own {@link PartitionLog}, so
 * all replicas hold the same records at the same offsets. The result of applying a batch is its base offset.
 *
 * <p><b>Command</b> (one produced batch, big-endian): {@code i32 count · count × (i64 timestamp · i32 key_len
 * (-1 = no key) · key · i32 value_len · value · u16 headers · headers × (utf key · i32 len · bytes))}.
 *
 * <p><b>Snapshot</b> (one chunk): {@code i64 next_offset}, the log end the snapshot stands for. The records
 * themselves stay in the partition log, which is flushed before the snapshot lets MicroRaft drop the entries.
 *
 * <p><b>Replay.</b> {@code nextOffset} counts the records the group has committed so far (from the snapshot plus
 * the replayed entries). After a restart the local log usually already holds a replayed batch: records below the
 * log's end are skipped, so nothing is appended twice; records lost from an unflushed log tail are appended again.
 */
final class PartitionStateMachine implements ReplicatedStateMachine<Long> {
    private static final System.Logger LOG = System.getLogger(PartitionStateMachine.class.getName());

    private final String name;
    private final PartitionLog log;
    private long nextOffset;

    PartitionStateMachine(String name, PartitionLog log) {
        this.name = name;
        this.log = log;
    }

    @Override
    public Long apply(long commitIndex, byte[] command) {
        List<Record> batch = decode(command);
        long base = nextOffset;
        long end = log.endOffset();
        int present = (int) Math.max(0, Math.min(batch.size(), end - base));
        if (present < batch.size()) {
            if (base + present != end) {
                throw new IllegalStateException("partition " + name + " log ends at offset " + end
                        + " but Raft entry " + commitIndex + " continues at offset " + (base + present)
                        + ": records are missing from this replica's log");
            }
            long appended = log.append(batch.subList(present, batch.size()));
            if (appended != base + present) {
                throw new IllegalStateException("partition " + name + " appended Raft entry " + commitIndex
                        + " at offset " + appended + ", expected " + (base + present));
            }
        }
        nextOffset = base + batch.size();
        return base;
    }

    @Override
    public void takeSnapshot(long commitIndex, Consumer<byte[]> chunks) {
        log.flush(); // the entries below the snapshot are about to be dropped: their records must be on disk
        chunks.accept(ByteBuffer.allocate(8).putLong(0, nextOffset).array());
    }

    @Override
    public void installSnapshot(long commitIndex, List<byte[]> chunks) {
        long offset = ByteBuffer.wrap(chunks.get(0)).getLong();
        if (log.endOffset() < offset) {
            LOG.log(System.Logger.Level.ERROR, "partition " + name + ": snapshot at Raft index " + commitIndex
                    + " stands for records up to offset " + offset + " but this replica's log ends at "
                    + log.endOffset() + "; copying the missing records from the leader is not implemented");
        }
        nextOffset = offset;
    }

    static byte[] encode(List<Record> batch) {
        int size = 4;
        for (Record r : batch) {
            size += 18 + (r.key() == null ? 0 : r.key().length) + r.value().length;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(batch.size());
            for (Record r : batch) {
                out.writeLong(r.timestamp());
                if (r.key() == null) {
                    out.writeInt(-1);
                } else {
                    out.writeInt(r.key().length);
                    out.write(r.key());
                }
                out.writeInt(r.value().length);
                out.write(r.value());
                out.writeShort(r.headers().size());
                for (Header h : r.headers()) {
                    out.writeUTF(h.key());
                    out.writeInt(h.value().length);
                    out.write(h.value());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<Record> decode(byte[] command) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(command));
        try {
            int count = in.readInt();
            if (count < 0 || count > command.length) {
                throw new IOException("record count " + count + " impossible in " + command.length + " bytes");
            }
            List<Record> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long ts = in.readLong();
                byte[] key = readBytes(in, true);
                byte[] value = readBytes(in, false);
                int headers = in.readUnsignedShort();
                List<Header> hs = new ArrayList<>(headers);
                for (int h = 0; h < headers; h++) {
                    hs.add(new Header(in.readUTF(), readBytes(in, false)));
                }
                batch.add(new Record(ts, key, value, List.copyOf(hs)));
            }
            if (in.available() > 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return batch;
        } catch (IOException e) {
            throw new IllegalArgumentException("damaged record batch command (" + command.length + " bytes): " + e, e);
        }
    }

    private static byte[] readBytes(DataInputStream in, boolean nullable) throws IOException {
        int len = in.readInt();
        if (len == -1 && nullable) {
            return null;
        }
        if (len < 0 || len > in.available()) {
            throw new IOException("length " + len + " with " + in.available() + " bytes left");
        }
        return in.readNBytes(len);
    }
}
