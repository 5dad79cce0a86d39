package flymq.protocol.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The attribute bits of transactions: derived from the reserved headers, accepted by readers, nothing else is. */
class StoredRecordAttributesTest {
    private static ByteBuffer encode(List<StoredRecordLayoutTest.H> headers) {
        return StoredRecordLayoutTest.encode(7, null, new byte[] {1}, headers);
    }

    private static StoredRecordLayoutTest.H h(String name, byte[] value) {
        return new StoredRecordLayoutTest.H(name, value);
    }

    @Test
    void plainRecordsKeepAttributesZero() {
        ByteBuffer b = encode(List.of(h("traceparent", new byte[2])));
        assertEquals(0, StoredRecordLayout.attributesAt(b, 0));
        assertEquals(-1, StoredRecordLayout.txnIdAt(b, 0));
    }

    @Test
    void theTransactionHeaderSetsTheTransactionalBitAndCarriesTheId() {
        ByteBuffer b = encode(List.of(h("x", new byte[0]),
                h(StoredRecordLayout.TXN_HEADER, ByteBuffer.allocate(8).putLong(42).array())));
        assertEquals(StoredRecordLayout.TRANSACTIONAL, StoredRecordLayout.attributesAt(b, 0));
        assertNull(StoredRecordLayout.validate(b, 0, new CRC32C()));
        assertEquals(42, StoredRecordLayout.txnIdAt(b, 0));
    }

    @Test
    void aMarkerIsAControlRecord() {
        ByteBuffer b = encode(List.of(h(StoredRecordLayout.TXN_HEADER, ByteBuffer.allocate(8).putLong(3).array()),
                h(StoredRecordLayout.TXN_MARKER_HEADER, new byte[] {StoredRecordLayout.MARKER_COMMIT})));
        assertEquals(StoredRecordLayout.TRANSACTIONAL | StoredRecordLayout.CONTROL,
                StoredRecordLayout.attributesAt(b, 0));
        assertNull(StoredRecordLayout.validate(b, 0, new CRC32C()));
    }

    @Test
    void otherBitsAreRefusedEvenWithAMatchingCrc() {
        for (int bit : new int[] {0x01, 0x02, 0x04, 0x80}) { // bits owned by nobody (0x08, 0x40: other features)
            ByteBuffer b = encode(List.of());
            b.put(StoredRecordLayout.ATTRIBUTES_POS, (byte) bit);
            int length = b.getInt(0);
            b.putInt(StoredRecordLayout.CRC_POS, StoredRecordLayout.computeCrc(b, 0, length, new CRC32C()));
            String problem = StoredRecordLayout.validate(b, 0, new CRC32C());
            assertTrue(problem != null && problem.startsWith("unknown attributes"), bit + ": " + problem);
        }
    }
}
