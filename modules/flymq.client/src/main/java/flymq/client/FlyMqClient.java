package flymq.client;

import flymq.protocol.Acks;
import flymq.protocol.ReadSpin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import flymq.protocol.ErrorFrame;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

import static flymq.protocol.Opcodes.*;
import static flymq.protocol.ExtensionOpcodes.BATCH_FETCH;
import static flymq.protocol.ExtensionOpcodes.BATCH_PRODUCE;
import static flymq.protocol.ExtensionOpcodes.CLUSTER_MEMBERSHIP;

/**
 * A synchronous, thread-safe client for one FlyMQ broker (or the first reachable one of a bootstrap list), speaking
 * the FlyMQ 1.26 wire protocol plus our extension opcodes.
 *
 * <p>One TCP connection is shared by all threads. Synchronous calls take turns on it; the {@code ...Async} methods
 * pipeline (many requests in flight, answered in order). When the connection breaks, the outstanding calls fail
 * with {@link ConnectionException} and the next call connects again, starting with the <em>next</em> server of the
 * bootstrap list, and logs in again if {@link #auth} succeeded before. Requests that cannot change state (reads,
 * listings, metadata) are retried once on the fresh connection; writes are not, since the server may have applied
 * them.
 *
 * <p>Errors: {@link FlyMqServerException} (and its {@link NotLeaderException}, {@link AuthenticationException})
 * carry the server's text; {@link ConnectionException} means no broker answered; {@link ProtocolException} means
 * the server broke the wire format.
 */
public final class FlyMqClient implements AutoCloseable {

    private final List<InetSocketAddress> servers;
    private final int connectTimeoutMillis;
    private final long requestTimeoutMillis;
    private final long readSpinNanos;
    private final int connectPasses;
    private final Object connectLock = new Object();
    private volatile Connection connection;
    private int nextServer;
    private volatile String username;
    private volatile String password;
    private volatile boolean closed;
    private volatile long connectionGeneration;

    private FlyMqClient(Builder b) {
        this.servers = BootstrapServers.parse(b.bootstrap);
        this.connectTimeoutMillis = (int) b.connectTimeout.toMillis();
        this.requestTimeoutMillis = b.requestTimeout.toMillis();
        this.readSpinNanos = b.readSpin.toNanos();
        this.connectPasses = b.connectPasses;
        this.username = b.username;
        this.password = b.password;
    }

    /** Connects to the first reachable server of {@code host:port[,host:port...]} with default settings. */
    public static FlyMqClient connect(String bootstrap) {
        return builder().bootstrap(bootstrap).build();
    }

    /** A synchronous call's spin budget unless {@link Builder#readSpin} sets another. */
    public static final Duration DEFAULT_READ_SPIN = ReadSpin.DEFAULT_BUDGET;
    /** The largest {@link Builder#readSpin}: longer spins only burn CPU that a blocked read would have saved. */
    public static final Duration MAX_READ_SPIN = ReadSpin.MAX_BUDGET;

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a client; {@link #build()} connects at once, so an unreachable cluster fails fast. */
    public static final class Builder {
        private String bootstrap = "localhost:9092";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration readSpin = DEFAULT_READ_SPIN;
        private int connectPasses = 1;
        private String username;
        private String password;

        private Builder() {
        }

        public Builder bootstrap(String hostPortList) {
            this.bootstrap = Objects.requireNonNull(hostPortList, "bootstrap");
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = requirePositive(d, "connectTimeout");
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = requirePositive(d, "requestTimeout");
            return this;
        }

        /**
         * How long a synchronous call spins for its answer before it blocks in the read (default 200 µs;
         * {@link Duration#ZERO} never spins). Spinning saves the wake-up of a sleeping thread, which dominates one
         * request per round trip on an idle machine; it costs CPU only while a call waits, and backs off on its own
         * when answers take longer than this.
         */
        public Builder readSpin(Duration d) {
            if (d == null || d.isNegative() || d.compareTo(MAX_READ_SPIN) > 0) {
                throw new IllegalArgumentException("readSpin must be from 0 to " + MAX_READ_SPIN.toNanos() / 1000
                        + " µs, got " + d);
            }
            this.readSpin = d;
            return this;
        }

        /** How many times to walk the whole bootstrap list before giving up (default 1). */
        public Builder connectPasses(int passes) {
            if (passes < 1) {
                throw new IllegalArgumentException("connectPasses must be >= 1, got " + passes);
            }
            this.connectPasses = passes;
            return this;
        }

        /** Logs in with AUTH on every (re)connection. */
        public Builder credentials(String user, String pass) {
            this.username = Objects.requireNonNull(user, "user");
            this.password = pass == null ? "" : pass;
            return this;
        }

        public FlyMqClient build() {
            FlyMqClient client = new FlyMqClient(this);
            client.connection();
            return client;
        }

        private static Duration requirePositive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }

    // ------------------------------------------------------------------ connection management

    /** The {@code host:port} of the server currently connected, connecting first if needed. */
    public String connectedServer() {
        return connection().address();
    }

    /** Increases every time the client opens a new connection (state bound to the old one is gone). */
    public long connectionGeneration() {
        return connectionGeneration;
    }

    Connection connection() {
        Connection c = connection;
        if (c != null && c.isOpen()) {
            return c;
        }
        synchronized (connectLock) {
            c = connection;
            if (c != null && c.isOpen()) {
                return c;
            }
            if (closed) {
                throw new ConnectionException("client is closed");
            }
            if (c != null) {
                // the last connection broke: start with the server after it
                nextServer = (nextServer + 1) % servers.size();
            }
            connection = openAny();
            connectionGeneration++;
            return connection;
        }
    }

    private Connection openAny() {
        StringBuilder failures = new StringBuilder();
        IOException last = null;
        for (int pass = 0; pass < connectPasses; pass++) {
            if (pass > 0) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (int i = 0; i < servers.size(); i++) {
                int idx = (nextServer + i) % servers.size();
                InetSocketAddress unresolved = servers.get(idx);
                String address = unresolved.getHostString() + ":" + unresolved.getPort();
                try {
                    InetSocketAddress target = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
                    if (target.isUnresolved()) {
                        throw new IOException("unknown host " + unresolved.getHostString());
                    }
                    Connection c = Connection.open(address, target, connectTimeoutMillis, requestTimeoutMillis,
                            readSpinNanos);
                    nextServer = idx;
                    if (username != null) {
                        login(c, username, password);
                    }
                    return c;
                } catch (IOException e) {
                    last = e;
                    if (!failures.isEmpty()) {
                        failures.append("; ");
                    }
                    failures.append(address).append(": ").append(e.getMessage() == null
                            ? e.getClass().getSimpleName() : e.getMessage());
                }
            }
        }
        throw new ConnectionException("cannot connect to any FlyMQ server of " + describeServers() + " (" + failures
                + ")", last);
    }

    private String describeServers() {
        List<String> s = new ArrayList<>();
        for (InetSocketAddress a : servers) {
            s.add(a.getHostString() + ":" + a.getPort());
        }
        return String.join(",", s);
    }

    private void login(Connection c, String user, String pass) {
        PayloadWriter w = new PayloadWriter(32).str16(user).str16(pass);
        Frame f = c.call("AUTH", AUTH, w);
        AuthResult r = decodeAuth(check("AUTH", f));
        if (!r.success()) {
            c.close();
            throw new AuthenticationException("AUTH", r.error().isEmpty() ? "authentication failed for user " + user
                    : r.error());
        }
    }

    // ------------------------------------------------------------------ request plumbing

    /** Sends a request and decodes its answer; read-only requests are retried once after a connection failure. */
    <T> T call(String name, int opcode, PayloadWriter w, boolean idempotent, Function<PayloadReader, T> decoder) {
        return decode(name, callFrame(name, opcode, w, idempotent), decoder);
    }

    /** Like {@link #call} but returns the checked payload undecoded. */
    byte[] callPayload(String name, int opcode, PayloadWriter w, boolean idempotent) {
        return check(name, callFrame(name, opcode, w, idempotent));
    }

    private Frame callFrame(String name, int opcode, PayloadWriter w, boolean idempotent) {
        Frame f;
        try {
            f = connection().call(name, opcode, w);
        } catch (RequestTimeoutException e) {
            throw e;
        } catch (ConnectionException e) {
            if (!idempotent || closed) {
                throw e;
            }
            f = connection().call(name, opcode, w);
        }
        return f;
    }

    /** Pipelined variant: many may be in flight; each future completes in request order. */
    <T> CompletableFuture<T> callAsync(String name, int opcode, PayloadWriter w, boolean flush,
                                       Function<PayloadReader, T> decoder) {
        Connection c;
        try {
            c = connection();
        } catch (FlyMqException e) {
            return CompletableFuture.failedFuture(e);
        }
        return c.send(name, opcode, w, flush)
                .thenApply(f -> decode(name, f, decoder));
    }

    /** Decodes an answer; a layout the decoder cannot read becomes a {@link ProtocolException} naming the request. */
    static <T> T decode(String name, Frame f, Function<PayloadReader, T> decoder) {
        byte[] payload = check(name, f);
        try {
            return decoder.apply(new PayloadReader(payload));
        } catch (MalformedPayloadException e) {
            throw new ProtocolException(name + " answer does not decode (" + payload.length + " bytes): "
                    + e.getMessage());
        }
    }

    /** Returns the payload, or throws the server's error carried by an ERROR frame. */
    static byte[] check(String request, Frame f) {
        if (f.opcode() == ERROR) {
            throw FlyMqServerException.of(request, decodeError(f.payload()));
        }
        return f.payload();
    }

    /**
     * ERROR payload: the structured form {@code i32 code · str16 text} when it parses exactly; anything else is
     * upstream's raw-text form, taken whole (the official SDKs cut its first six characters off).
     */
    static String decodeError(byte[] p) {
        if (p.length >= 6 && 6 + (((p[4] & 0xFF) << 8) | (p[5] & 0xFF)) == p.length) {
            return ErrorFrame.decode(p);
        }
        return new String(p, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static PayloadWriter req(int capacity) {
        return new PayloadWriter(capacity);
    }

    private static void requireTopic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
    }

    // ------------------------------------------------------------------ produce / consume / fetch

    /** PRODUCE a keyless record; the server picks the partition. */
    public RecordMetadata produce(String topic, byte[] value) {
        return produce(topic, -1, null, value);
    }

    /** PRODUCE a record; keyed records go to FNV-1a(key) mod partitions. */
    public RecordMetadata produce(String topic, byte[] key, byte[] value) {
        return produce(topic, -1, key, value);
    }

    /** PRODUCE to an explicit partition ({@code -1} lets the server choose). */
    public RecordMetadata produce(String topic, int partition, byte[] key, byte[] value) {
        return call("PRODUCE", PRODUCE, produceRequest(topic, partition, key, value), false,
                FlyMqClient::decodeRecordMetadata);
    }

    /** Pipelined PRODUCE: returns at once; answers complete the futures in the order the requests were sent. */
    public CompletableFuture<RecordMetadata> produceAsync(String topic, int partition, byte[] key, byte[] value) {
        return callAsync("PRODUCE", PRODUCE, produceRequest(topic, partition, key, value), true,
                FlyMqClient::decodeRecordMetadata);
    }

    private static PayloadWriter produceRequest(String topic, int partition, byte[] key, byte[] value) {
        requireTopic(topic);
        Objects.requireNonNull(value, "value");
        int keyLen = key == null ? 0 : key.length;
        return req(topic.length() + keyLen + value.length + 16).str16(topic).bytes32(key).bytes32(value).i32(partition);
    }

    static RecordMetadata decodeRecordMetadata(PayloadReader r) {
        return new RecordMetadata(r.str16("topic"), r.i32("partition"), r.i64("offset"), r.i64("timestamp"),
                r.i32("key_size"), r.i32("value_size"));
    }

    /** CONSUME one record at {@code offset}; the server answers {@code EOF} when there is none. */
    public Message consume(String topic, int partition, long offset) {
        requireTopic(topic);
        PayloadWriter w = req(topic.length() + 16).str16(topic).i32(partition).i64(offset);
        return call("CONSUME", CONSUME, w, true,
                r -> new Message(topic, partition, offset, -1, r.bytes32("key"), r.bytes32("value"), List.of()));
    }

    /** FETCH up to {@code maxMessages} records from {@code offset} (no filter). */
    public FetchResult fetch(String topic, int partition, long offset, int maxMessages) {
        return fetch(topic, partition, offset, maxMessages, "");
    }

    /** FETCH with the server-side filter (substring, regex, or {@code $.json.path}); empty filter = none. */
    public FetchResult fetch(String topic, int partition, long offset, int maxMessages, String filter) {
        return call("FETCH", FETCH, fetchRequest(topic, partition, offset, maxMessages, filter), true,
                r -> decodeFetch(r, topic, partition));
    }

    /** FETCH_BINARY (0x0B): the same request and answer as FETCH under its own opcode. */
    public FetchResult fetchBinary(String topic, int partition, long offset, int maxMessages) {
        return call("FETCH_BINARY", FETCH_BINARY, fetchRequest(topic, partition, offset, maxMessages, ""), true,
                r -> decodeFetch(r, topic, partition));
    }

    private static PayloadWriter fetchRequest(String topic, int partition, long offset, int max, String filter) {
        requireTopic(topic);
        return req(topic.length() + 32).str16(topic).i32(partition).i64(offset).i32(max)
                .str16(filter == null ? "" : filter);
    }

    private static FetchResult decodeFetch(PayloadReader r, String topic, int partition) {
        int n = r.count("record count", 16);
        long next = r.i64("next_offset");
        List<Message> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long off = r.i64("offset");
            byte[] key = r.bytes32("key");
            byte[] value = r.bytes32("value");
            records.add(new Message(topic, partition, off, -1, key, value, List.of()));
        }
        return new FetchResult(records, next);
    }

    // ------------------------------------------------------------------ extension: batch produce / fetch

    /**
     * BATCH_PRODUCE (extension 0xC0): many records for one or several partitions of {@code topic} in one frame;
     * one answer per group with its base offset, or that group's error.
     */
    public List<PartitionAppend> batchProduce(String topic, Acks acks, List<PartitionRecords> groups) {
        return call("BATCH_PRODUCE", BATCH_PRODUCE, batchProduceRequest(topic, acks, groups), false,
                FlyMqClient::decodeBatchProduce);
    }

    /** Pipelined BATCH_PRODUCE. */
    public CompletableFuture<List<PartitionAppend>> batchProduceAsync(String topic, Acks acks,
                                                                      List<PartitionRecords> groups) {
        PayloadWriter w;
        try {
            w = batchProduceRequest(topic, acks, groups);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return callAsync("BATCH_PRODUCE", BATCH_PRODUCE, w, true, FlyMqClient::decodeBatchProduce);
    }

    static PayloadWriter batchProduceRequest(String topic, Acks acks, List<PartitionRecords> groups) {
        requireTopic(topic);
        int size = topic.length() + 16;
        for (PartitionRecords g : groups) {
            size += 8;
            for (ProducerRecord r : g.records()) {
                size += r.encodedSize();
            }
        }
        PayloadWriter w = req(size).str16(topic).u8(acks.code()).u32(groups.size());
        for (PartitionRecords g : groups) {
            if (g.records().isEmpty()) {
                throw new IllegalArgumentException("BATCH_PRODUCE group for partition " + g.partition() + " is empty");
            }
            w.i32(g.partition()).u32(g.records().size());
            for (ProducerRecord r : g.records()) {
                w.i64(r.timestamp()).bytes32(r.key()).bytes32(r.value()).u16(r.headers().size());
                for (Header h : r.headers()) {
                    w.str16(h.key()).bytes32(h.value());
                }
            }
        }
        return w;
    }

    private static List<PartitionAppend> decodeBatchProduce(PayloadReader r) {
        r.str16("topic");
        int n = r.count("groups", 18);
        List<PartitionAppend> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new PartitionAppend(r.i32("partition"), r.i64("base_offset"), r.i32("record_count"),
                    r.str16("error")));
        }
        return out;
    }

    /**
     * BATCH_FETCH (extension 0xC1): records with timestamps and headers from several partitions of {@code topic};
     * at most about {@code maxBytesPerPartition} each (at least one record when one exists).
     */
    public List<PartitionFetch> batchFetch(String topic, List<FetchPosition> positions, int maxBytesPerPartition) {
        requireTopic(topic);
        if (maxBytesPerPartition <= 0) {
            throw new IllegalArgumentException("maxBytesPerPartition must be positive, got " + maxBytesPerPartition);
        }
        PayloadWriter w = req(topic.length() + 16 + positions.size() * 12).str16(topic).u32(maxBytesPerPartition)
                .u32(positions.size());
        for (FetchPosition p : positions) {
            w.i32(p.partition()).i64(p.offset());
        }
        byte[] payload = callPayload("BATCH_FETCH", BATCH_FETCH, w, true);
        try {
            return decodeBatchFetch(new PayloadReader(payload), payload, topic);
        } catch (flymq.protocol.MalformedPayloadException e) {
            throw new ProtocolException("BATCH_FETCH answer does not decode (" + payload.length + " bytes): "
                    + e.getMessage());
        }
    }

    private static List<PartitionFetch> decodeBatchFetch(PayloadReader r, byte[] payload, String topic) {
        r.str16("topic");
        int n = r.count("partitions", 30);
        int[] partitions = new int[n];
        String[] errors = new String[n];
        long[] starts = new long[n];
        long[] ends = new long[n];
        int[] counts = new int[n];
        long[] lengths = new long[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            partitions[i] = r.i32("partition");
            errors[i] = r.str16("error");
            starts[i] = r.i64("start_offset");
            ends[i] = r.i64("end_offset");
            counts[i] = r.i32("record_count");
            lengths[i] = r.u32("byte_length");
            total += lengths[i];
        }
        if (total != r.remaining()) {
            throw new ProtocolException("BATCH_FETCH answer announces " + total + " record bytes, carries "
                    + r.remaining());
        }
        List<PartitionFetch> out = new ArrayList<>(n);
        int pos = payload.length - r.remaining();
        for (int i = 0; i < n; i++) {
            List<Message> records = StoredRecordBytes.decode(topic, partitions[i], payload, pos, (int) lengths[i],
                    counts[i]);
            pos += (int) lengths[i];
            out.add(new PartitionFetch(partitions[i], errors[i], starts[i], ends[i], records));
        }
        return out;
    }

    // ------------------------------------------------------------------ topics

    /** CREATE_TOPIC; creating an existing topic succeeds. */
    public void createTopic(String topic, int partitions) {
        requireTopic(topic);
        call("CREATE_TOPIC", CREATE_TOPIC, req(topic.length() + 8).str16(topic).i32(partitions), false, r -> null);
    }

    /** DELETE_TOPIC; deleting a missing topic succeeds. */
    public void deleteTopic(String topic) {
        requireTopic(topic);
        call("DELETE_TOPIC", DELETE_TOPIC, req(topic.length() + 4).str16(topic), false, r -> null);
    }

    /** LIST_TOPICS: names sorted, internal ({@code __}) topics excluded. */
    public List<String> listTopics() {
        return call("LIST_TOPICS", LIST_TOPICS, req(0), true, r -> strList(r, "topics"));
    }

    /**
     * METADATA (0x04, our layout; upstream has none). Request {@code str16 topic}; answer {@code str16 topic ·
     * i32 partitions · i32 replication_factor · i64 retention_ms · i64 retention_bytes · i64 segment_bytes ·
     * i64 segment_ms · i64 created_ms · u32 n · n × (i32 partition · str16 leader_id · u64 start_offset ·
     * u64 end_offset · u64 size_bytes · u32 segments)} (docs/protocol.md).
     */
    public TopicMetadata metadata(String topic) {
        requireTopic(topic);
        return call("METADATA", METADATA, req(topic.length() + 4).str16(topic), true, r -> {
            String name = r.str16("topic");
            int partitionCount = r.i32("partitions");
            int rf = r.i32("replication_factor");
            long retentionMs = r.i64("retention_ms");
            long retentionBytes = r.i64("retention_bytes");
            long segmentBytes = r.i64("segment_bytes");
            long segmentMs = r.i64("segment_ms");
            long created = r.i64("created_ms");
            int n = r.count("partition", 34);
            List<TopicMetadata.PartitionState> parts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                parts.add(new TopicMetadata.PartitionState(r.i32("partition"), r.str16("leader_id"),
                        r.i64("start_offset"), r.i64("end_offset"), r.i64("size_bytes"), r.i32("segments")));
            }
            return new TopicMetadata(name, partitionCount, rf, retentionMs, retentionBytes, segmentBytes, segmentMs,
                    created, parts);
        });
    }

    // ------------------------------------------------------------------ consumer groups

    /** SUBSCRIBE: registers this connection in {@code group} (if non-empty) and returns where to read next. */
    public long subscribe(String topic, String group, int partition, SubscribeMode mode) {
        requireTopic(topic);
        PayloadWriter w = req(topic.length() + 32).str16(topic).str16(group == null ? "" : group).i32(partition)
                .str8(mode.wireName());
        return call("SUBSCRIBE", SUBSCRIBE, w, false, r -> r.i64("offset"));
    }

    /** COMMIT the next offset to read for (topic, group, partition). */
    public void commit(String topic, String group, int partition, long nextOffset) {
        requireTopic(topic);
        call("COMMIT", COMMIT, groupRequest(topic, group, partition).i64(nextOffset), false, r -> null);
    }

    /** Pipelined COMMIT (used by auto-commit so that it never blocks a poll). */
    public CompletableFuture<Void> commitAsync(String topic, String group, int partition, long nextOffset) {
        requireTopic(topic);
        return callAsync("COMMIT", COMMIT, groupRequest(topic, group, partition).i64(nextOffset), true, r -> null);
    }

    /** GET_OFFSET: the committed offset, 0 when the partition has none. */
    public long getOffset(String topic, String group, int partition) {
        requireTopic(topic);
        return call("GET_OFFSET", GET_OFFSET, groupRequest(topic, group, partition), true, r -> r.i64("committed"));
    }

    /** RESET_OFFSET to the first retained offset. */
    public void resetOffsetToEarliest(String topic, String group, int partition) {
        resetOffset(topic, group, partition, "earliest", 0);
    }

    /** RESET_OFFSET to the partition's next offset. */
    public void resetOffsetToLatest(String topic, String group, int partition) {
        resetOffset(topic, group, partition, "latest", 0);
    }

    /** RESET_OFFSET to an explicit offset. */
    public void resetOffset(String topic, String group, int partition, long offset) {
        resetOffset(topic, group, partition, "offset", offset);
    }

    private void resetOffset(String topic, String group, int partition, String mode, long offset) {
        requireTopic(topic);
        PayloadWriter w = groupRequest(topic, group, partition).str8(mode);
        if (mode.equals("offset")) {
            w.i64(offset);
        }
        call("RESET_OFFSET", RESET_OFFSET, w, false, r -> null);
    }

    private static PayloadWriter groupRequest(String topic, String group, int partition) {
        return req(topic.length() + 32).str16(topic).str16(group == null ? "" : group).i32(partition);
    }

    /** LIST_GROUPS (Go/Python layout): one entry per (topic, group). */
    public List<GroupInfo> listGroups() {
        return call("LIST_GROUPS", LIST_GROUPS, req(0), true, r -> {
            int n = r.count("group count", 12);
            List<GroupInfo> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(decodeGroup(r));
            }
            return out;
        });
    }

    /** DESCRIBE_GROUP (Go/Python request {@code topic · group}). */
    public GroupInfo describeGroup(String topic, String group) {
        requireTopic(topic);
        return call("DESCRIBE_GROUP", DESCRIBE_GROUP, req(topic.length() + 16).str16(topic).str16(group), true,
                FlyMqClient::decodeGroup);
    }

    private static GroupInfo decodeGroup(PayloadReader r) {
        String topic = r.str16("topic");
        String group = r.str16("group_id");
        int members = r.i32("member_count");
        int n = r.count("offset count", 12);
        Map<Integer, Long> offsets = new HashMap<>();
        for (int i = 0; i < n; i++) {
            offsets.put(r.i32("partition"), r.i64("committed offset"));
        }
        return new GroupInfo(topic, group, members, offsets);
    }

    /** DELETE_GROUP (Go/Python request {@code topic · group}): forgets its offsets and members. */
    public void deleteGroup(String topic, String group) {
        requireTopic(topic);
        call("DELETE_GROUP", DELETE_GROUP, req(topic.length() + 16).str16(topic).str16(group), false, r -> null);
    }

    /** GET_LAG of a group on one partition. */
    public GroupLag getLag(String topic, String group, int partition) {
        requireTopic(topic);
        return call("GET_LAG", GET_LAG, groupRequest(topic, group, partition), true,
                r -> new GroupLag(r.i64("current_offset"), r.i64("committed_offset"), r.i64("latest_offset"),
                        r.i64("lag")));
    }

    /**
     * SEEK_TO_TIMESTAMP (0x66, our layout; upstream has none): the first offset whose timestamp is at or after
     * {@code timestampMs}, or the partition's next offset when there is none. Request {@code str16 topic ·
     * i32 partition · i64 timestamp_ms}; answer {@code u64 offset}.
     */
    public long seekToTimestamp(String topic, int partition, long timestampMs) {
        requireTopic(topic);
        PayloadWriter w = req(topic.length() + 16).str16(topic).i32(partition).i64(timestampMs);
        return call("SEEK_TO_TIMESTAMP", SEEK_TO_TIMESTAMP, w, true, r -> r.i64("offset"));
    }

    // ------------------------------------------------------------------ cluster

    /** CLUSTER_METADATA for one topic ({@code ""} = all topics). */
    public ClusterMetadata clusterMetadata(String topic) {
        PayloadWriter w = req(16).str16(topic == null ? "" : topic);
        return call("CLUSTER_METADATA", CLUSTER_METADATA, w, true, r -> {
            String clusterId = r.str16("cluster_id");
            int nt = r.count("topic count", 6);
            List<ClusterMetadata.Topic> topics = new ArrayList<>(nt);
            for (int t = 0; t < nt; t++) {
                String name = r.str16("topic");
                int np = r.count("partition count", 26);
                List<ClusterMetadata.Partition> parts = new ArrayList<>(np);
                for (int p = 0; p < np; p++) {
                    parts.add(new ClusterMetadata.Partition(r.i32("partition"), r.str16("leader_id"),
                            r.str16("leader_addr"), r.i64("epoch"), r.str16("state"), strList(r, "replicas"),
                            strList(r, "isr")));
                }
                topics.add(new ClusterMetadata.Topic(name, parts));
            }
            return new ClusterMetadata(clusterId, topics);
        });
    }

    /**
     * CLUSTER_STATUS (0x52, our layout; upstream has none). Request empty; answer {@code str16 cluster_id ·
     * str16 node_id · str16 controller_id · u64 term · bool ready · u32 n · n × (str16 node_id · str16 client_addr ·
     * str16 cluster_addr · str16 state · bool leader) · u32 topics · u32 partitions · [u64 commit_index · u32 n ·
     * n × (str16 node_id · str16 role · i64 match_index · i64 lag)]} (docs/protocol.md).
     */
    public ClusterStatus clusterStatus() {
        return call("CLUSTER_STATUS", CLUSTER_STATUS, req(0), true, r -> {
            String clusterId = r.str16("cluster_id");
            String nodeId = r.str16("node_id");
            String controller = r.str16("controller_id");
            long term = r.i64("term");
            boolean ready = r.bool("ready");
            int n = r.count("node", 9);
            List<String[]> raw = new ArrayList<>(n);
            List<Boolean> leaders = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                raw.add(new String[] {r.str16("node_id"), r.str16("client_addr"), r.str16("cluster_addr"),
                        r.str16("state")});
                leaders.add(r.bool("leader"));
            }
            int topics = r.i32("topics");
            int partitions = r.i32("partitions");
            long commitIndex = 0;
            Map<String, Object[]> progress = new HashMap<>();
            if (r.remaining() > 0) { // the progress block (brokers since membership changes)
                commitIndex = r.i64("commit_index");
                int m = r.count("progress", 20);
                for (int i = 0; i < m; i++) {
                    progress.put(r.str16("node_id"), new Object[] {r.str16("role"), r.i64("match_index"),
                            r.i64("lag")});
                }
            }
            List<ClusterStatus.Node> nodes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String[] f = raw.get(i);
                Object[] p = progress.getOrDefault(f[0], new Object[] {leaders.get(i) ? "leader" : "follower",
                        -1L, -1L});
                nodes.add(new ClusterStatus.Node(f[0], f[1], f[2], f[3], leaders.get(i), (String) p[0], (Long) p[1],
                        (Long) p[2]));
            }
            return new ClusterStatus(clusterId, nodeId, controller, term, ready, nodes, topics, partitions,
                    commitIndex);
        });
    }

    /**
     * CLUSTER_MEMBERSHIP join (extension 0xCE): adds the running node {@code nodeId}, reachable for Raft at
     * {@code clusterAddr}, to the cluster; {@code clientAddr} (may be empty) is where clients reach it. Any member
     * accepts it and forwards it to the metadata leader. Answers once the node is a voting member.
     */
    public ClusterMembership clusterJoin(String nodeId, String clusterAddr, String clientAddr) {
        PayloadWriter w = req(64).u8(1).str16(nodeId).str16(clusterAddr).str16(clientAddr == null ? "" : clientAddr);
        return call("CLUSTER_JOIN", CLUSTER_MEMBERSHIP, w, false, FlyMqClient::decodeMembership);
    }

    /**
     * CLUSTER_MEMBERSHIP leave (extension 0xCE): removes {@code nodeId} from the cluster (from the metadata group and
     * every partition group; the partitions it leads get another leader first).
     */
    public ClusterMembership clusterLeave(String nodeId) {
        PayloadWriter w = req(32).u8(2).str16(nodeId).str16("").str16("");
        return call("CLUSTER_LEAVE", CLUSTER_MEMBERSHIP, w, false, FlyMqClient::decodeMembership);
    }

    private static ClusterMembership decodeMembership(PayloadReader r) {
        int n = r.count("member", 5);
        List<ClusterMembership.Member> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            members.add(new ClusterMembership.Member(r.str16("node_id"), r.str16("cluster_addr"), r.bool("voting")));
        }
        return new ClusterMembership(members);
    }

    // ------------------------------------------------------------------ auth

    /**
     * AUTH: binds {@code user} to this connection. On success the credentials are kept and sent again after every
     * reconnect (the official SDKs forget to). A refused login throws {@link AuthenticationException}.
     */
    public AuthResult auth(String user, String pass) {
        PayloadWriter w = req(32).str16(user).str16(pass == null ? "" : pass);
        AuthResult r = call("AUTH", AUTH, w, false, FlyMqClient::decodeAuthReader);
        if (!r.success()) {
            throw new AuthenticationException("AUTH", r.error().isEmpty() ? "authentication failed for user " + user
                    : r.error());
        }
        this.username = user;
        this.password = pass == null ? "" : pass;
        return r;
    }

    /** WHOAMI: who this connection is logged in as ({@code success == false}: anonymous). */
    public AuthResult whoami() {
        return call("WHOAMI", WHOAMI, req(0), true, r -> {
            boolean ok = r.bool("authenticated");
            String user = r.str16("username");
            List<String> roles = r.remaining() >= 4 ? strList(r, "roles") : List.of();
            List<String> perms = r.remaining() >= 4 ? strList(r, "permissions") : List.of();
            return new AuthResult(ok, user, roles, perms, "");
        });
    }

    private static AuthResult decodeAuth(byte[] payload) {
        return decodeAuthReader(new PayloadReader(payload));
    }

    /**
     * AUTH answer: {@code bool success · str16 user · u32 n · n × str8 role · str16 error} (Go layout); the
     * compatible empty form {@code u32 0 · u32 0} reads as no roles and no error.
     */
    private static AuthResult decodeAuthReader(PayloadReader r) {
        boolean ok = r.bool("success");
        String user = r.str16("username");
        int n = r.count("role count", 1);
        List<String> roles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            roles.add(r.str8("role"));
        }
        String error = r.remaining() >= 2 ? r.str16("error") : "";
        return new AuthResult(ok, user, roles, List.of(), error);
    }

    static List<String> strList(PayloadReader r, String field) {
        int n = r.count(field, 2);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(r.str16(field));
        }
        return out;
    }

    /** Closes the connection; outstanding requests fail with {@link ConnectionException}. */
    @Override
    public void close() {
        closed = true;
        synchronized (connectLock) {
            Connection c = connection;
            if (c != null) {
                c.close();
            }
        }
    }
}
