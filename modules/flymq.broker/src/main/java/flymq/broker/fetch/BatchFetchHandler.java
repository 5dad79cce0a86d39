package flymq.broker.fetch;

import flymq.broker.BrokerListener;
import flymq.broker.group.SubscribedGroup;
import flymq.broker.observe.RequestTracing;
import flymq.broker.server.FileRegionHandler;
import flymq.broker.server.ResponseTail;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.broker.txn.PartitionView;
import flymq.broker.txn.TransactionIndex;
import flymq.protocol.FrameCodec;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.RequestException;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.storage.LogSlice;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;

/**
 * BATCH_FETCH 0xC1 (extension): a {@link BatchFetchRequest} answered with a {@link BatchFetchResponse}, whose headers
 * this handler writes and whose tail is the partitions' log slices. Records are taken from the partition logs as {@link
 * LogSlice}s and sent as stored, never decoded: the per-partition headers come first and the slices' bytes form the
 * tail of the frame ({@link ResponseTail}), which the connection sends from the segment files with {@code
 * FileChannel.transferTo} into its socket: the record bytes are not copied into the heap (except for a sampled trace
 * span, which reads them to link the records' creation contexts).
 *
 * <p>The response stays under the 32 MiB frame limit: each partition gets at most {@code max_bytes} and what is
 * left of the frame; a partition whose next record does not fit in what is left gets no records this time (its
 * position does not move, no error).
 *
 * <p>Isolation (the request's trailing byte, docs/transactions.md): read-uncommitted answers are the slices as
 * stored. Read-committed ones (the default) are too, unless a slice reaches past the partition's last stable offset
 * or overlaps an aborted transaction: then that partition's records are filtered in the heap ({@link CommittedSlice}).
 * Transaction markers stay in either answer; the client skips them by their attributes.
 */
public final class BatchFetchHandler implements FileRegionHandler {
    private static final int DEFAULT_MAX_BYTES = 1 << 20;

    private final TopicManager topics;
    private final TransactionIndex transactions;
    private final BrokerListener listener;
    private final RequestTracing tracing;

    /**
     * With one {@code flymq.fetch} span per request, a {@code flymq.storage.read} child per partition read, and
     * links to the creation contexts ({@code traceparent} headers) of the records returned, read from a copy of the
     * stored bytes (only for a sampled span). Metrics and spans carry the connection's subscribed group.
     */
    public BatchFetchHandler(TopicManager topics, TransactionIndex transactions, BrokerListener listener,
                             RequestTracing tracing) {
        this.topics = topics;
        this.transactions = transactions;
        this.listener = listener;
        this.tracing = tracing;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out, ResponseTail tail) {
        long start = System.nanoTime();
        BatchFetchRequest request = BatchFetchRequest.read(in);
        String topicName = request.topic();
        long maxBytes = request.maxBytes() == 0 ? DEFAULT_MAX_BYTES : request.maxBytes();
        int n = request.positions().size();
        int[] partitions = new int[n];
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            partitions[i] = request.positions().get(i).partition();
            offsets[i] = request.positions().get(i).offset();
        }
        String group = SubscribedGroup.of(session, topicName);
        TraceSpan span = tracing.start(TraceOp.FETCH, topicName, -1, null).group(group);
        try {
            serve(topicName, maxBytes, partitions, offsets,
                    request.isolation() == BatchFetchRequest.Isolation.READ_COMMITTED, group, span, start, out, tail);
        } catch (RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void serve(String topicName, long maxBytes, int[] partitions, long[] offsets, boolean readCommitted,
                       String group, TraceSpan span, long start, PayloadWriter out, ResponseTail tail) {
        int n = partitions.length;
        Topic topic = topics.topic(topicName);
        String[] errors = new String[n];
        LogSlice[] slices = new LogSlice[n];
        long[] starts = new long[n];
        long[] ends = new long[n];
        long headerBytes = BatchFetchResponse.headerBytes(topicName, n);
        long left = FrameCodec.MAX_PAYLOAD - headerBytes - 64L * 1024 * Math.min(n, 8);
        for (int i = 0; i < n; i++) {
            errors[i] = "";
            PartitionLog log;
            try {
                log = topic.log(partitions[i]);
            } catch (RequestException e) {
                errors[i] = e.getMessage();
                continue;
            }
            starts[i] = log.startOffset();
            ends[i] = log.endOffset();
            PartitionView view = transactions.view(topicName, partitions[i]); // after the end offset
            long bound = view.bound(ends[i]);
            if (left <= 0) {
                continue;
            }
            TraceSpan read = tracing.read(span, topicName, partitions[i], offsets[i]);
            try {
                LogSlice s = log.slice(offsets[i], (int) Math.min(maxBytes, left));
                if (readCommitted && CommittedSlice.needed(s, view, bound)) {
                    s = CommittedSlice.of(s, view, bound);
                }
                if (s.sizeInBytes() <= left) {
                    slices[i] = s;
                    left -= s.sizeInBytes();
                    read.messageSize(s.sizeInBytes());
                }
            } catch (OffsetOutOfRangeException e) {
                errors[i] = "offset " + offsets[i] + " out of range [" + e.startOffset() + ", " + e.endOffset()
                        + ") for " + topicName + "-" + partitions[i];
                read.fail(e);
            } finally {
                read.end();
            }
        }
        List<BatchFetchResponse.PartitionHeader> headers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LogSlice s = slices[i];
            headers.add(new BatchFetchResponse.PartitionHeader(partitions[i], errors[i], starts[i], ends[i],
                    s == null ? 0 : s.recordCount(), s == null ? 0 : (int) s.sizeInBytes()));
        }
        new BatchFetchResponse(topicName, headers).write(out);
        boolean linking = span.recording();
        long fetched = 0;
        for (int i = 0; i < n; i++) {
            LogSlice s = slices[i];
            if (s == null) {
                continue;
            }
            if (linking) {
                byte[] stored = readForTracing(s, topicName, partitions[i], offsets[i]);
                RequestTracing.linkProducers(span, stored, 0, stored.length);
            }
            tail.add(s);
            fetched += s.sizeInBytes();
            listener.consumed(topicName, partitions[i], group, s.recordCount(), s.sizeInBytes(),
                    System.nanoTime() - start);
        }
        span.messageSize(fetched);
    }

    /**
     * A heap copy of a slice, made only for a sampled span that looks for the records' trace context; the response
     * itself still sends the slice from its file.
     */
    private static byte[] readForTracing(LogSlice s, String topic, int partition, long offset) {
        ByteArrayOutputStream copy = new ByteArrayOutputStream((int) s.sizeInBytes());
        try {
            s.transferTo(Channels.newChannel(copy));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + topic + "-" + partition + " from offset " + offset + ": "
                    + e.getMessage(), e);
        }
        return copy.toByteArray();
    }
}
