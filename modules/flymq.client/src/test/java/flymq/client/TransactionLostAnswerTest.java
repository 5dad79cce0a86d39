package flymq.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.ExtensionOpcodes;
import flymq.protocol.Opcodes;
import flymq.protocol.PayloadReader;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.message.BatchProduceTxRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link FlyMqTransaction} after a call whose answer was lost: the broker may hold it, so the transaction can only be
 * aborted. Before, the next batch went out with the lost batch's sequence, which the broker answers as a retry of
 * that batch, so its records were never appended while the caller was told where they were.
 */
class TransactionLostAnswerTest {

    private static List<PartitionRecords> oneRecord(String value) {
        return List.of(new PartitionRecords(0, List.of(
                ProducerRecord.of("t", value.getBytes(StandardCharsets.UTF_8)))));
    }

    private static long count(ScriptedServer server, int opcode) {
        return server.requests.stream().filter(r -> r.opcode() == opcode).count();
    }

    @Test
    void aBatchWhoseAnswerIsLostLeavesTheTransactionAbortOnly() throws Exception {
        // every BATCH_PRODUCE_TX loses its connection before the answer; ABORT_TX is answered
        try (ScriptedServer server = new ScriptedServer(r -> r.opcode() == ExtensionOpcodes.BATCH_PRODUCE_TX ? null
                     : ScriptedServer.frame(r.opcode(), new byte[0]));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqTransaction tx = new FlyMqTransaction(client, "txn-1");
            assertThrows(ConnectionException.class, () -> tx.send("t", oneRecord("a")));
            assertEquals(2, count(server, ExtensionOpcodes.BATCH_PRODUCE_TX), "the batch and the client's one retry");

            IllegalStateException next = assertThrows(IllegalStateException.class,
                    () -> tx.send("t", oneRecord("b")));
            assertTrue(next.getMessage().contains("txn-1 can only be aborted"), next.getMessage());
            assertTrue(next.getMessage().contains("BATCH_PRODUCE_TX 0 to t"), next.getMessage());
            assertThrows(IllegalStateException.class, () -> tx.produce("t", new byte[] {1}));
            assertThrows(IllegalStateException.class, () -> tx.commitOffset("t", "g", 0, 1));
            assertThrows(IllegalStateException.class, tx::commit);
            assertEquals(2, count(server, ExtensionOpcodes.BATCH_PRODUCE_TX), "nothing more sent with sequence 0");
            assertEquals(0, count(server, Opcodes.COMMIT_TX), "a refused commit sends nothing");
            assertTrue(tx.isOpen(), "still open: it can be aborted");

            tx.close();
            assertFalse(tx.isOpen());
            assertEquals(1, count(server, Opcodes.ABORT_TX), "close aborts it");
        }
    }

    @Test
    void anErrorTheBrokerAnsweredLeavesTheTransactionUsableAndItsSequenceFree() throws Exception {
        // the first batch is refused by the broker, which so applied nothing: the next goes out under its sequence
        AtomicInteger batches = new AtomicInteger();
        try (ScriptedServer server = new ScriptedServer(r -> {
                 if (r.opcode() != ExtensionOpcodes.BATCH_PRODUCE_TX) {
                     return ScriptedServer.frame(r.opcode(), new byte[0]);
                 }
                 return batches.incrementAndGet() == 1 ? ScriptedServer.error("record rejected by schema 't-value'")
                         : ScriptedServer.batchProduceAnswer("t", List.of(
                                 BatchProduceResponse.GroupResult.appended(0, 0, 1)));
             });
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqTransaction tx = new FlyMqTransaction(client, "txn-2");
            assertThrows(FlyMqServerException.class, () -> tx.send("t", oneRecord("bad")));
            assertEquals(0, tx.send("t", oneRecord("good")).getFirst().baseOffset());
            tx.commit();
            assertEquals(1, count(server, Opcodes.COMMIT_TX));
            List<Long> sequences = server.requests.stream()
                    .filter(r -> r.opcode() == ExtensionOpcodes.BATCH_PRODUCE_TX)
                    .map(r -> BatchProduceTxRequest.read(new PayloadReader(r.payload())).sequence()).toList();
            assertEquals(List.of(0L, 0L), sequences);
        }
    }

    @Test
    void anAnswerThatDoesNotDecodeLeavesTheTransactionAbortOnlyToo() throws Exception {
        // the broker appended the batch, but its answer is cut short: as good as lost
        try (ScriptedServer server = new ScriptedServer(r -> ScriptedServer.frame(r.opcode(),
                     r.opcode() == ExtensionOpcodes.BATCH_PRODUCE_TX ? new byte[] {0, 9} : new byte[0]));
             FlyMqClient client = FlyMqClient.connect(server.address())) {
            FlyMqTransaction tx = new FlyMqTransaction(client, "txn-3");
            assertThrows(ProtocolException.class, () -> tx.send("t", oneRecord("a")));
            IllegalStateException next = assertThrows(IllegalStateException.class,
                    () -> tx.send("t", oneRecord("b")));
            assertTrue(next.getMessage().contains("BATCH_PRODUCE_TX 0 to t"), next.getMessage());
            assertEquals(1, count(server, ExtensionOpcodes.BATCH_PRODUCE_TX), "the second batch is not sent");
            tx.abort();
            assertEquals(1, count(server, Opcodes.ABORT_TX));
        }
    }
}
