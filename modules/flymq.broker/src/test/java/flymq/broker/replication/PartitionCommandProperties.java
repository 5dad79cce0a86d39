package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import flymq.broker.produce.ProducerBatch;
import flymq.storage.Header;
import flymq.storage.Record;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The partition group's batch command, decoded as every replica decodes it: whatever the leader encodes (keys or
 * none, empty values, header keys in any Unicode including NUL and characters beyond the BMP, expiring records,
 * idempotent producers) comes back field for field, and a command cut short anywhere is refused as damaged rather
 * than misread or failing with another exception. The bytes are checked against the format written out with a
 * {@link DataOutputStream}, as the leader wrote them before.
 */
class PartitionCommandProperties {

    @Property(tries = 300)
    void whatTheLeaderEncodesEveryReplicaDecodes(@ForAll("batches") List<Record> batch,
                                                 @ForAll @IntRange(min = -1, max = 1_000_000) int expectedBase,
                                                 @ForAll boolean idempotent) {
        ProducerBatch producer = idempotent ? new ProducerBatch(42L, 7) : ProducerBatch.NONE;
        PartitionStateMachine.Command c = PartitionStateMachine.decodeCommand(
                PartitionStateMachine.encode(expectedBase, batch, producer));

        assertDecoded(batch, expectedBase, producer, c, false);
    }

    /**
     * @param asStored whether the command carries the records as a segment file stores them: an empty key comes
     *                 back as no key, a header name as UTF-8 makes it (an unpaired surrogate as '?')
     */
    private static void assertDecoded(List<Record> batch, long expectedBase, ProducerBatch producer,
                                      PartitionStateMachine.Command c, boolean asStored) {
        assertEquals(expectedBase, c.expectedBase());
        assertEquals(producer, c.producer());
        assertEquals(batch.size(), c.batch().size());
        for (int i = 0; i < batch.size(); i++) {
            Record sent = batch.get(i);
            Record got = c.batch().get(i);
            assertEquals(sent.timestamp(), got.timestamp());
            byte[] key = asStored && sent.key() != null && sent.key().length == 0 ? null : sent.key();
            assertArrayEquals(key, got.key());
            assertArrayEquals(sent.value(), got.value());
            assertEquals(sent.expiresAt(), got.expiresAt());
            assertEquals(sent.headers().size(), got.headers().size());
            for (int h = 0; h < sent.headers().size(); h++) {
                String name = sent.headers().get(h).key();
                if (asStored) {
                    name = new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                }
                assertEquals(name, got.headers().get(h).key());
                assertArrayEquals(sent.headers().get(h).value(), got.headers().get(h).value());
            }
        }
    }

    /**
     * Format 8 carries each record as a segment file stores it, so what comes back is what the log would have stored
     * from the other formats too: an empty key as no key, a header name as UTF-8 (an unpaired surrogate as '?').
     */
    @Property(tries = 300)
    void whatTheLeaderProposesInTheStoredLayoutEveryReplicaDecodes(@ForAll("batches") List<Record> batch,
            @ForAll @IntRange(min = -1, max = 1_000_000) int expectedBase, @ForAll boolean idempotent) {
        if (batch.isEmpty()) {
            return; // a leader never proposes an empty batch
        }
        ProducerBatch producer = idempotent ? new ProducerBatch(42L, 7) : ProducerBatch.NONE;
        PartitionStateMachine.Command c = PartitionStateMachine.decodeCommand(
                PartitionStateMachine.encodeStored(expectedBase, batch, producer));

        assertDecoded(batch, expectedBase, producer, c, true);
    }

    @Property(tries = 100)
    void aStoredCommandCutShortIsRefusedAsDamaged(@ForAll("batches") List<Record> batch, @ForAll boolean idempotent) {
        if (batch.isEmpty()) {
            return;
        }
        byte[] whole = PartitionStateMachine.encodeStored(-1, batch,
                idempotent ? new ProducerBatch(1L, 0) : ProducerBatch.NONE);
        assertEveryCutRefused(whole);
    }

    /** The bytes stay those of the format's definition (Raft logs written before hold them), here spelled out. */
    @Property(tries = 300)
    void theLeaderWritesTheFormatsBytes(@ForAll("batches") List<Record> batch,
                                        @ForAll @IntRange(min = -1, max = 1_000_000) int expectedBase,
                                        @ForAll boolean idempotent) throws IOException {
        ProducerBatch producer = idempotent ? new ProducerBatch(42L, 7) : ProducerBatch.NONE;
        boolean expiring = batch.stream().anyMatch(r -> r.expiresAt() != Record.NO_EXPIRY);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        if (idempotent) {
            out.writeInt(-4);
            out.writeLong(expectedBase);
            out.writeLong(42L);
            out.writeInt(7);
            out.writeByte(expiring ? 1 : 0);
        } else {
            out.writeInt(expiring ? -3 : -2);
            out.writeLong(expectedBase);
        }
        out.writeInt(batch.size());
        for (Record r : batch) {
            out.writeLong(r.timestamp());
            out.writeInt(r.key() == null ? -1 : r.key().length);
            if (r.key() != null) {
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
            if (expiring) {
                out.writeLong(r.expiresAt());
            }
        }
        out.flush();
        assertArrayEquals(bytes.toByteArray(), PartitionStateMachine.encode(expectedBase, batch, producer));
    }

    @Property(tries = 100)
    void aCommandCutShortIsRefusedAsDamaged(@ForAll("batches") List<Record> batch, @ForAll boolean idempotent) {
        byte[] whole = PartitionStateMachine.encode(-1, batch,
                idempotent ? new ProducerBatch(1L, 0) : ProducerBatch.NONE);
        assertEveryCutRefused(whole);
    }

    private static void assertEveryCutRefused(byte[] whole) {
        for (int len = 0; len < whole.length; len++) {
            byte[] cut = Arrays.copyOf(whole, len);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PartitionStateMachine.decodeCommand(cut), "cut at " + len + " of " + whole.length);
            assertEquals(true, e.getMessage().startsWith("damaged record batch command (" + len + " bytes)"),
                    e.getMessage());
        }
    }

    @Provide
    Arbitrary<List<Record>> batches() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        Arbitrary<String> headerKeys = Arbitraries.strings().all().ofMaxLength(12)
                .edgeCases(e -> e.add("\u0000").add("\uD83D\uDE80 key").add("é"));
        Arbitrary<Header> header = Combinators.combine(headerKeys, bytes).as(Header::new);
        Arbitrary<Record> record = Combinators.combine(
                Arbitraries.longs().between(0, Long.MAX_VALUE),
                bytes.injectNull(0.3),
                bytes,
                header.list().ofMaxSize(3),
                Arbitraries.longs().between(1, Long.MAX_VALUE).injectNull(0.7))
                .as((ts, key, value, headers, expiry) -> new Record(ts, key, value, new ArrayList<>(headers),
                        expiry == null ? Record.NO_EXPIRY : expiry));
        return record.list().ofMaxSize(6);
    }
}
