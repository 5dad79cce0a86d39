package flymq.broker.delay;

import flymq.broker.produce.ProduceHandler;
import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.CancelDelayedRequest;
import flymq.protocol.message.CancelDelayedResponse;
import flymq.protocol.message.ProduceResponse;
import flymq.protocol.message.TimedProduceRequest;

/**
 * PRODUCE_DELAYED 0x30 and CANCEL_DELAYED 0x31 on a single node, served by {@link DelayedDelivery} (a cluster node
 * serves them in {@code replication.ClusterDelayed}).
 *
 * <p>PRODUCE_DELAYED reads a {@link TimedProduceRequest} ({@code millis} = the delay, 0 .. {@code delayed.max_delay})
 * and answers a {@link ProduceResponse} whose {@code partition} is where the record will be appended, whose
 * {@code offset} is the schedule's delay id (the record's own offset is given at delivery: upstream answers 0 there)
 * and whose {@code timestamp} is when it is due. CANCEL_DELAYED answers a {@link CancelDelayedResponse}.
 */
public final class DelayedRequests {
    private final DelayedDelivery delivery;

    public DelayedRequests(DelayedDelivery delivery) {
        this.delivery = delivery;
    }

    public void produceDelayed(Session session, PayloadReader in, PayloadWriter out) {
        TimedProduceRequest r = TimedProduceRequest.read(in);
        ProduceHandler.checkRecordSize(r.key(), r.value());
        DelayedDelivery.Scheduled s = delivery.schedule(r.topic(), r.partition(), r.key(), r.value(), r.millis());
        new ProduceResponse(s.topic(), s.partition(), s.id(), s.dueMs(), r.key().length == 0 ? -1 : r.key().length,
                r.value().length).write(out);
    }

    public void cancelDelayed(Session session, PayloadReader in, PayloadWriter out) {
        CancelDelayedRequest r = CancelDelayedRequest.read(in);
        String refused = delivery.cancel(r.topic(), r.delayId());
        new CancelDelayedResponse(refused == null, refused == null ? "cancelled delay id " + r.delayId() : refused)
                .write(out);
    }
}
