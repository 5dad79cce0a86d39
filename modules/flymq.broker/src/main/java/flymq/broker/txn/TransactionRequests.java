package flymq.broker.txn;

import flymq.broker.BrokerListener;
import flymq.broker.schema.SchemaRegistry;
import flymq.broker.schema.SchemaValidation;
import flymq.broker.server.Session;
import flymq.protocol.Acks;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.message.BatchProduceTxRequest;
import flymq.protocol.message.ProduceResponse;
import flymq.protocol.message.ProduceTxRequest;
import flymq.protocol.message.SuccessResponse;
import flymq.protocol.message.TxnCommitOffsetRequest;
import flymq.protocol.message.TxnRequest;
import flymq.protocol.message.TxnResponse;
import flymq.protocol.record.RecordFactory;
import flymq.protocol.record.StoredRecordLayout;
import flymq.storage.Header;
import flymq.storage.Record;
import flymq.storage.StorageException;
import java.util.ArrayList;
import java.util.List;

/**
 * BEGIN_TX 0x40, COMMIT_TX 0x41, ABORT_TX 0x42, PRODUCE_TX 0x43 (wire spec 11), BATCH_PRODUCE_TX 0xC2 and
 * TXN_COMMIT_OFFSET 0xC3 (extensions), served by the {@link TransactionCoordinator}.
 *
 * <p>Differences from upstream, each what a client of a transaction relies on: PRODUCE_TX answers the partition and
 * offset the record was really written at (upstream: partition 0, offset 0); a COMMIT_TX or PRODUCE_TX the broker
 * cannot honour (unknown id, transaction aborted or timed out) is an ERROR frame, because both SDKs ignore the
 * {@code success} byte and would otherwise report a lost transaction as committed.
 */
public final class TransactionRequests {
    private final TransactionCoordinator coordinator;
    private final Acks acks;
    private final BrokerListener listener;
    private final SchemaValidation schemas;

    /** @param acks {@code performance.acks}: how PRODUCE_TX records and commits are acknowledged */
    public TransactionRequests(TransactionCoordinator coordinator, Acks acks, BrokerListener listener) {
        this(coordinator, acks, listener, SchemaValidation.OFF);
    }

    /**
     * @param schemas produce enforcement: a PRODUCE_TX record, or a BATCH_PRODUCE_TX group with a record, that breaks
     *                its topic's schema is refused (strict mode) before it joins the transaction
     */
    public TransactionRequests(TransactionCoordinator coordinator, Acks acks, BrokerListener listener,
                               SchemaValidation schemas) {
        this.coordinator = coordinator;
        this.acks = acks;
        this.listener = listener;
        this.schemas = schemas;
    }

    public void begin(Session session, PayloadReader in, PayloadWriter out) {
        new TxnResponse(coordinator.begin(), true).write(out);
    }

    public void commit(Session session, PayloadReader in, PayloadWriter out) {
        TxnRequest request = TxnRequest.read(in);
        coordinator.commit(request.txnId(), acks);
        new TxnResponse(request.txnId(), true).write(out);
    }

    public void abort(Session session, PayloadReader in, PayloadWriter out) {
        TxnRequest request = TxnRequest.read(in);
        coordinator.abort(request.txnId());
        new TxnResponse(request.txnId(), true).write(out);
    }

    public void produce(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        ProduceTxRequest request = ProduceTxRequest.read(in);
        schemas.check(request.topic(), null, request.data());
        long timestamp = System.currentTimeMillis();
        TransactionCoordinator.Appended at = coordinator.append(request.txnId(), request.topic(), -1, null,
                List.of(new Record(timestamp, null, request.data(), List.of())), acks);
        new ProduceResponse(request.topic(), at.partition(), at.baseOffset(), timestamp, -1, request.data().length)
                .write(out);
        listener.produced(request.topic(), at.partition(), 1, request.data().length, System.nanoTime() - start);
    }

    /** TXN_COMMIT_OFFSET 0xC3: a group offset committed with the transaction. */
    public void commitOffset(Session session, PayloadReader in, PayloadWriter out) {
        TxnCommitOffsetRequest r = TxnCommitOffsetRequest.read(in);
        coordinator.commitOffset(r.txnId(), r.topic(), r.group(), r.partition(), r.offset());
        SuccessResponse.OK.write(out);
    }

    /**
     * BATCH_PRODUCE_TX: as BATCH_PRODUCE, each group appended within the transaction; answered per group. A repeated
     * sequence gets the first answer again and appends nothing ({@link TransactionCoordinator#idempotent}).
     */
    public void batchProduce(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        BatchProduceTxRequest request = BatchProduceTxRequest.read(in);
        BatchProduceRequest batch = request.batch();
        String topic = batch.topic();
        if (batch.groups().isEmpty()) {
            throw new RequestException("BATCH_PRODUCE_TX to " + topic + ": no record groups");
        }
        long now = System.currentTimeMillis();
        RecordFactory<Record, Header> records = new RecordFactory<>() {
            @Override
            public Header header(String name, byte[] value) {
                return new Header(name, value);
            }

            @Override
            public Record record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
                return new Record(timestamp > 0 ? timestamp : now, key, value, headers);
            }
        };
        List<List<Record>> decoded = new ArrayList<>(batch.groups().size());
        List<String> refusals = new ArrayList<>(batch.groups().size());
        SchemaRegistry.Bound schema = schemas.enforced(topic);
        for (int g = 0; g < batch.groups().size(); g++) {
            BatchProduceRequest.Group group = batch.groups().get(g);
            if (group.partition() < -1 || group.recordCount() == 0) {
                throw new RequestException("BATCH_PRODUCE_TX to " + topic + ": group " + g + " has partition "
                        + group.partition() + " and " + group.recordCount() + " records (use -1 or a partition "
                        + "number from 0, and at least one record)");
            }
            List<Record> rs = group.records(records);
            String reserved = reservedHeader(rs);
            if (reserved != null) {
                throw new RequestException("BATCH_PRODUCE_TX to " + topic + ": header '" + reserved + "' in group "
                        + g + " is reserved for the broker's transaction records");
            }
            decoded.add(rs);
            String refusal = null;
            for (int i = 0; schema != null && refusal == null && i < rs.size(); i++) {
                String why = schemas.refusal(topic, schema, rs.get(i).key(), rs.get(i).value());
                refusal = why == null ? null : "record " + i + " of the group: " + why;
            }
            refusals.add(refusal);
        }
        BatchProduceResponse answer = coordinator.idempotent(request.txnId(), request.sequence(), () -> {
            List<BatchProduceResponse.GroupResult> results = new ArrayList<>(decoded.size());
            for (int g = 0; g < decoded.size(); g++) {
                List<Record> rs = decoded.get(g);
                int requested = batch.groups().get(g).partition();
                long bytes = 0;
                for (Record r : rs) {
                    bytes += (r.key() == null ? 0 : r.key().length) + r.value().length;
                }
                try {
                    if (refusals.get(g) != null) {
                        throw new RequestException(refusals.get(g));
                    }
                    TransactionCoordinator.Appended at = coordinator.append(request.txnId(), topic, requested, null,
                            rs, batch.acks());
                    results.add(BatchProduceResponse.GroupResult.appended(at.partition(), at.baseOffset(),
                            rs.size()));
                    listener.produced(topic, at.partition(), rs.size(), bytes, System.nanoTime() - start);
                } catch (RequestException | StorageException | IllegalArgumentException e) {
                    results.add(BatchProduceResponse.GroupResult.failed(requested, rs.size(),
                            String.valueOf(e.getMessage())));
                }
            }
            return new BatchProduceResponse(topic, results);
        });
        answer.write(out);
    }

    /** The first header name of {@code records} that only the broker may write, or null. */
    public static String reservedHeader(List<Record> records) {
        for (Record r : records) {
            for (Header h : r.headers()) {
                if (h.key().startsWith(StoredRecordLayout.TXN_HEADER_PREFIX)) {
                    return h.key();
                }
            }
        }
        return null;
    }
}
