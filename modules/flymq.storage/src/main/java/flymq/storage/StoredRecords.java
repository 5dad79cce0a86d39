package flymq.storage;

import flymq.storage.record.RecordCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads records in the stored format (a {@link LogSlice}'s bytes, as a zero-copy fetch sends them) that arrived
 * from elsewhere, e.g. from another node's log: each is checked (length, CRC, field lengths) before it is decoded.
 */
public final class StoredRecords {
    private StoredRecords() {
    }

    /**
     * @param bytes the stored bytes, from its position to its limit, whole records only
     * @throws CorruptRecordException naming the byte position of the first record that is not valid
     */
    public static List<StoredRecord> decode(ByteBuffer bytes) {
        List<StoredRecord> out = new ArrayList<>();
        CRC32C crc = new CRC32C();
        int pos = bytes.position();
        while (pos < bytes.limit()) {
            if (bytes.limit() - pos < RecordCodec.LENGTH_SIZE) {
                throw new CorruptRecordException("stored records: " + (bytes.limit() - pos)
                        + " bytes left at byte " + pos + ", too few for a record length");
            }
            String problem = RecordCodec.validate(bytes, pos, crc);
            if (problem != null) {
                throw new CorruptRecordException("stored records: record at byte " + pos + ": " + problem);
            }
            out.add(RecordCodec.decode(bytes, pos));
            pos += RecordCodec.LENGTH_SIZE + bytes.getInt(pos);
        }
        return out;
    }
}
