package flymq.broker.dlq;

import flymq.broker.server.Session;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.message.DlqFetchRequest;
import flymq.protocol.message.DlqFetchResponse;
import flymq.protocol.message.DlqPurgeRequest;
import flymq.protocol.message.DlqPurgeResponse;
import flymq.protocol.message.DlqReplayRequest;
import flymq.protocol.message.DlqReplayResponse;
import flymq.protocol.message.NackRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * FETCH_DLQ 0x20, REPLAY_DLQ 0x21 (both forms), PURGE_DLQ 0x22 (wire spec 11) and our DLQ_NACK 0xC8. In a cluster
 * the node registers them routed to the leader of the queue topic's partition ({@link #queuePartition}), so they
 * always read and change the queue where its log is current.
 */
public final class DlqRequests {
    private final DeadLetters queues;

    public DlqRequests(DeadLetters queues) {
        this.queues = queues;
    }

    public void fetch(Session session, PayloadReader in, PayloadWriter out) {
        DlqFetchRequest r = DlqFetchRequest.read(in);
        List<DlqFetchResponse.Entry> entries = new ArrayList<>();
        for (DeadLetterRecord d : queues.list(r.topic(), r.max())) {
            entries.add(new DlqFetchResponse.Entry(Long.toString(d.offset()), d.value(),
                    d.header(DeadLetterRecord.ERROR), (int) Math.max(0, d.longHeader(DeadLetterRecord.RETRIES))));
        }
        new DlqFetchResponse(entries).write(out);
    }

    public void replay(Session session, PayloadReader in, PayloadWriter out) {
        DlqReplayRequest r = DlqReplayRequest.read(in);
        DeadLetters.Outcome o = queues.replay(r.topic(), r.id());
        new DlqReplayResponse(o.success(), o.message(), r.offsetForm()).write(out);
    }

    public void purge(Session session, PayloadReader in, PayloadWriter out) {
        DlqPurgeRequest r = DlqPurgeRequest.read(in);
        DeadLetters.Outcome o = queues.purge(r.topic());
        new DlqPurgeResponse(o.success(), o.message()).write(out);
    }

    public void nack(Session session, PayloadReader in, PayloadWriter out) {
        queues.nack(NackRequest.read(in)).write(out);
    }
}
