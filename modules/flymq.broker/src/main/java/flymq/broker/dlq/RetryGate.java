package flymq.broker.dlq;

import flymq.broker.group.SubscribedGroup;
import flymq.broker.server.FileRegionHandler;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.ResponseTail;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.protocol.message.ConsumeRequest;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Enforces the retry holds ({@link RetryHolds}) on the read paths: a FETCH, CONSUME or BATCH_FETCH of a partition
 * that the connection's consumer group holds (it reported a record of it failed less than {@code dlq.retry_delay}
 * ago) gets no records of that partition, whatever its position, until the hold's not-before time; the other
 * partitions of the request are served as usual. It wraps the handlers as the connection's node registers them
 * (around the routing to a partition's leader), because the group is known only there: FETCH, CONSUME and
 * BATCH_FETCH name none on the wire, it is the one the connection subscribed with ({@link SubscribedGroup}), and a
 * forwarded request reaches the leader on another connection. Every node holds every hold (a cluster replicates
 * them), so the node a client reads through does not matter.
 *
 * <p>What a held partition answers: FETCH no records with {@code next_offset} the requested offset (both SDKs keep
 * their position and ask again), CONSUME an ERROR starting with {@code EOF} like an offset with nothing to read yet,
 * BATCH_FETCH a partition header with no records and no error. Requests of connections that subscribed no group,
 * and every request while no group holds anything, go straight to the handler.
 */
public final class RetryGate {
    private final RetryHolds holds;
    private final TopicManager topics;

    public RetryGate(RetryHolds holds, TopicManager topics) {
        this.holds = holds;
        this.topics = topics;
    }

    /** The hold on {@code topic}/{@code partition} of the group {@code session} reads for, or null. */
    private RetryHolds.Hold held(Session session, String topic, int partition) {
        String group = SubscribedGroup.of(session, topic);
        return group.isEmpty() ? null : holds.active(group, topic, partition);
    }

    private boolean nothingHeld(Session session) {
        return holds.isEmpty() || session.memberships().isEmpty();
    }

    /** A reader of the same request bytes, so the wrapped handler still reads them from the start. */
    private static PayloadReader peek(PayloadReader in) {
        return new PayloadReader(in.array(), in.position(), in.remaining());
    }

    /** FETCH 0x07 and FETCH_BINARY 0x0B. */
    public RequestHandler fetch(RequestHandler next) {
        return (session, in, out) -> {
            if (nothingHeld(session)) {
                next.handle(session, in, out);
                return;
            }
            FetchRequest r = FetchRequest.read(peek(in));
            if (held(session, r.topic(), r.partition()) == null) {
                next.handle(session, in, out);
                return;
            }
            FetchResponse.begin(out).finish(r.offset());
        };
    }

    /** CONSUME 0x02 and CONSUME_ZERO_COPY 0x0A. */
    public RequestHandler consume(RequestHandler next) {
        return (session, in, out) -> {
            if (nothingHeld(session)) {
                next.handle(session, in, out);
                return;
            }
            ConsumeRequest r = ConsumeRequest.read(peek(in));
            RetryHolds.Hold h = held(session, r.topic(), r.partition());
            if (h == null) {
                next.handle(session, in, out);
                return;
            }
            throw new RequestException("EOF: " + r.topic() + "-" + r.partition() + " is held for consumer group "
                    + h.group() + " until " + Instant.ofEpochMilli(h.notBeforeMs()) + ": it failed offset "
                    + h.offset() + " (failure " + h.failures() + ") and retries it after dlq.retry_delay");
        };
    }

    /** BATCH_FETCH 0xC1; stays a {@link FileRegionHandler} when {@code next} is one (records sent from the files). */
    public RequestHandler batchFetch(RequestHandler next) {
        if (next instanceof FileRegionHandler files) {
            return new FileRegionHandler() {
                @Override
                public void handle(Session session, PayloadReader in, PayloadWriter out, ResponseTail tail) {
                    batchFetch(session, in, out, (s, request, answer) -> files.handle(s, request, answer, tail));
                }
            };
        }
        return (session, in, out) -> batchFetch(session, in, out, next);
    }

    private void batchFetch(Session session, PayloadReader in, PayloadWriter out, RequestHandler next) {
        if (nothingHeld(session)) {
            next.handle(session, in, out);
            return;
        }
        BatchFetchRequest r = BatchFetchRequest.read(peek(in));
        int n = r.positions().size();
        boolean[] held = new boolean[n];
        List<BatchFetchRequest.Position> open = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BatchFetchRequest.Position p = r.positions().get(i);
            held[i] = held(session, r.topic(), p.partition()) != null;
            if (!held[i]) {
                open.add(p);
            }
        }
        if (open.size() == n) {
            next.handle(session, in, out);
            return;
        }
        List<BatchFetchResponse.PartitionHeader> served = List.of();
        PayloadReader answer = null;
        if (!open.isEmpty()) {
            BatchFetchRequest part = new BatchFetchRequest(r.topic(), r.maxBytes(), open, r.forwarded(),
                    r.isolation());
            PayloadWriter request = new PayloadWriter(part.sizeHint());
            part.write(request);
            PayloadWriter written = new PayloadWriter();
            next.handle(session, new PayloadReader(request.toPayload()), written);
            answer = new PayloadReader(written.toPayload());
            // the records follow the headers here (a routed answer) or are slices in the tail (a local one)
            served = BatchFetchResponse.readHeaders(answer).partitions();
            if (served.size() != open.size()) {
                throw new RequestException("BATCH_FETCH of " + r.topic() + ": " + served.size()
                        + " partitions answered for " + open.size());
            }
        }
        List<BatchFetchResponse.PartitionHeader> headers = new ArrayList<>(n);
        int next0 = 0;
        for (int i = 0; i < n; i++) {
            BatchFetchRequest.Position p = r.positions().get(i);
            headers.add(held[i] ? heldHeader(r.topic(), p) : served.get(next0++));
        }
        new BatchFetchResponse(r.topic(), headers).write(out);
        if (answer != null && answer.remaining() > 0) {
            out.raw(answer.array(), answer.position(), answer.remaining());
        }
    }

    /** A held partition's header: no records, no error, the log's offsets when this node has the partition. */
    private BatchFetchResponse.PartitionHeader heldHeader(String topic, BatchFetchRequest.Position p) {
        long start = p.offset();
        long end = p.offset();
        try {
            Optional<Topic> t = topics.find(topic);
            if (t.isPresent()) {
                start = t.get().log(p.partition()).startOffset();
                end = t.get().log(p.partition()).endOffset();
            }
        } catch (RuntimeException e) {
            // no replica of it here: the requested offset stands for both
        }
        return new BatchFetchResponse.PartitionHeader(p.partition(), "", start, end, 0, 0);
    }
}
