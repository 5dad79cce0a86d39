package flymq.broker.protocol.ext;

import flymq.broker.BrokerListener;
import flymq.broker.observe.RequestTracing;
import flymq.broker.observe.SubscribedGroup;
import flymq.broker.protocol.FrameCodec;
import flymq.broker.protocol.PayloadReader;
import flymq.broker.protocol.PayloadWriter;
import flymq.broker.protocol.RequestException;
import flymq.broker.server.RequestHandler;
import flymq.broker.server.Session;
import flymq.broker.topic.Topic;
import flymq.broker.topic.TopicManager;
import flymq.storage.LogSlice;
import flymq.storage.OffsetOutOfRangeException;
import flymq.storage.PartitionLog;
import flymq.telemetry.TraceOp;
import flymq.telemetry.TraceSpan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * BATCH_FETCH 0xC1 (extension; layout in {@link ExtensionOpcodes}). Records are taken from the partition logs as
 * {@link LogSlice}s and sent as stored, never decoded: the per-partition headers come first and the slices' bytes
 * form the tail of the frame, so a connection that can send file regions sends them with {@code transferTo}. The
 * broker's connection writes from a buffer today, so the slices are transferred into the response buffer (one copy,
 * no per-record work).
 *
 * <p>The response stays under the 32 MiB frame limit: each partition gets at most {@code max_bytes} and what is
 * left of the frame; a partition whose next record does not fit in what is left gets no records this time (its
 * position does not move, no error).
 */
public final class BatchFetchHandler implements RequestHandler {
    private static final int DEFAULT_MAX_BYTES = 1 << 20;
    private static final int PARTITION_HEADER = 4 + 2 + 8 + 8 + 4 + 4;

    private final TopicManager topics;
    private final BrokerListener listener;
    private final RequestTracing tracing;

    public BatchFetchHandler(TopicManager topics, BrokerListener listener) {
        this(topics, listener, RequestTracing.OFF);
    }

    /**
     * With one {@code flymq.fetch} span per request, a {@code flymq.storage.read} child per partition read, and
     * links to the creation contexts ({@code traceparent} headers) of the records returned, read from the stored
     * bytes as they are copied (only for a sampled span). Metrics and spans carry the connection's subscribed group.
     */
    public BatchFetchHandler(TopicManager topics, BrokerListener listener, RequestTracing tracing) {
        this.topics = topics;
        this.listener = listener;
        this.tracing = tracing;
    }

    @Override
    public void handle(Session session, PayloadReader in, PayloadWriter out) {
        long start = System.nanoTime();
        String topicName = in.str16("topic");
        long maxBytes = in.u32("max_bytes");
        if (maxBytes == 0) {
            maxBytes = DEFAULT_MAX_BYTES;
        }
        int n = in.count("partitions", 12);
        int[] partitions = new int[n];
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            partitions[i] = in.i32("partition");
            offsets[i] = in.i64("offset");
        }
        String group = SubscribedGroup.of(session, topicName);
        TraceSpan span = tracing.start(TraceOp.FETCH, topicName, -1, null).group(group);
        try {
            serve(topicName, maxBytes, partitions, offsets, group, span, start, out);
        } catch (RuntimeException e) {
            span.fail(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void serve(String topicName, long maxBytes, int[] partitions, long[] offsets, String group,
                       TraceSpan span, long start, PayloadWriter out) {
        int n = partitions.length;
        Topic topic = topics.topic(topicName);
        String[] errors = new String[n];
        LogSlice[] slices = new LogSlice[n];
        long[] starts = new long[n];
        long[] ends = new long[n];
        long headerBytes = 2L + topicName.length() * 3L + 4;
        for (int i = 0; i < n; i++) {
            headerBytes += PARTITION_HEADER;
        }
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
            if (left <= 0) {
                continue;
            }
            TraceSpan read = tracing.read(span, topicName, partitions[i], offsets[i]);
            try {
                LogSlice s = log.slice(offsets[i], (int) Math.min(maxBytes, left));
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
        out.str16(topicName).u32(n);
        for (int i = 0; i < n; i++) {
            LogSlice s = slices[i];
            out.i32(partitions[i]).str16(errors[i]).u64(starts[i]).u64(ends[i])
                    .u32(s == null ? 0 : s.recordCount()).u32(s == null ? 0 : s.sizeInBytes());
        }
        PayloadWriterChannel channel = new PayloadWriterChannel(out);
        boolean linking = span.recording();
        long fetched = 0;
        for (int i = 0; i < n; i++) {
            LogSlice s = slices[i];
            if (s == null) {
                continue;
            }
            channel.capture = linking ? new java.io.ByteArrayOutputStream((int) s.sizeInBytes()) : null;
            long before = channel.written;
            try {
                s.transferTo(channel);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + topicName + "-" + partitions[i] + " from offset "
                        + offsets[i] + ": " + e.getMessage(), e);
            }
            if (channel.written - before != s.sizeInBytes()) {
                throw new IllegalStateException("slice of " + topicName + "-" + partitions[i] + " at offset "
                        + offsets[i] + " announced " + s.sizeInBytes() + " bytes, transferred "
                        + (channel.written - before));
            }
            if (linking) {
                byte[] stored = channel.capture.toByteArray();
                RequestTracing.linkProducers(span, stored, 0, stored.length);
            }
            fetched += s.sizeInBytes();
            listener.consumed(topicName, partitions[i], group, s.recordCount(), s.sizeInBytes(),
                    System.nanoTime() - start);
        }
        span.messageSize(fetched);
    }

    /** Lets {@link LogSlice#transferTo} append into the response buffer. */
    private static final class PayloadWriterChannel implements WritableByteChannel {
        private final PayloadWriter out;
        private final byte[] chunk = new byte[64 * 1024];
        long written;
        /** When set, a copy of what is written (only while a sampled span looks for trace context). */
        java.io.ByteArrayOutputStream capture;

        PayloadWriterChannel(PayloadWriter out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (src.hasArray()) {
                out.raw(src.array(), src.arrayOffset() + src.position(), n);
                if (capture != null) {
                    capture.write(src.array(), src.arrayOffset() + src.position(), n);
                }
                src.position(src.limit());
            } else {
                while (src.hasRemaining()) {
                    int k = Math.min(chunk.length, src.remaining());
                    src.get(chunk, 0, k);
                    out.raw(chunk, 0, k);
                    if (capture != null) {
                        capture.write(chunk, 0, k);
                    }
                }
            }
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
