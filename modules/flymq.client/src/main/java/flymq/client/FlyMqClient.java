package flymq.client;

import flymq.protocol.Acks;
import flymq.protocol.ErrorFrame;
import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import flymq.protocol.ReadSpin;
import flymq.protocol.message.AclInfo;
import flymq.protocol.message.AclListResponse;
import flymq.protocol.message.AclSetRequest;
import flymq.protocol.message.AuditExportRequest;
import flymq.protocol.message.AuditExportResponse;
import flymq.protocol.message.AuditQueryRequest;
import flymq.protocol.message.AuditQueryResponse;
import flymq.protocol.message.NameRequest;
import flymq.protocol.message.NamedResult;
import flymq.protocol.message.RoleListResponse;
import flymq.protocol.message.UserInfo;
import flymq.protocol.message.UserListResponse;
import flymq.protocol.message.UserRequest;
import flymq.protocol.message.AuthRequest;
import flymq.protocol.message.AuthResponse;
import flymq.protocol.message.BatchFetchRequest;
import flymq.protocol.message.BatchFetchResponse;
import flymq.protocol.message.BatchProduceRequest;
import flymq.protocol.message.BatchProduceResponse;
import flymq.protocol.message.BatchProduceTxRequest;
import flymq.protocol.message.CancelDelayedRequest;
import flymq.protocol.message.DlqFetchRequest;
import flymq.protocol.message.DlqFetchResponse;
import flymq.protocol.message.DlqPurgeRequest;
import flymq.protocol.message.DlqPurgeResponse;
import flymq.protocol.message.DlqReplayRequest;
import flymq.protocol.message.DlqReplayResponse;
import flymq.protocol.message.NackRequest;
import flymq.protocol.message.NackResponse;
import flymq.protocol.message.CancelDelayedResponse;
import flymq.protocol.message.ClusterMetadataRequest;
import flymq.protocol.message.ClusterMetadataResponse;
import flymq.protocol.message.ClusterStatusResponse;
import flymq.protocol.message.CommitRequest;
import flymq.protocol.message.ConsumeRequest;
import flymq.protocol.message.ConsumeResponse;
import flymq.protocol.message.AlterTopicRequest;
import flymq.protocol.message.CreatePartitionsRequest;
import flymq.protocol.message.CreateTopicRequest;
import flymq.protocol.message.DeleteGroupRequest;
import flymq.protocol.message.DeleteSchemaResponse;
import flymq.protocol.message.DeleteTopicRequest;
import flymq.protocol.message.DescribeGroupRequest;
import flymq.protocol.message.EmptyRequest;
import flymq.protocol.message.FetchRequest;
import flymq.protocol.message.FetchResponse;
import flymq.protocol.message.GetSchemaResponse;
import flymq.protocol.message.GroupPartitionRequest;
import flymq.protocol.message.GroupSummary;
import flymq.protocol.message.LagResponse;
import flymq.protocol.message.ListGroupsResponse;
import flymq.protocol.message.ListSchemasRequest;
import flymq.protocol.message.ListSchemasResponse;
import flymq.protocol.message.ListTopicsResponse;
import flymq.protocol.message.MembershipRequest;
import flymq.protocol.message.MembershipResponse;
import flymq.protocol.message.OffsetResponse;
import flymq.protocol.message.ProduceRequest;
import flymq.protocol.message.ProduceResponse;
import flymq.protocol.message.ProduceWithSchemaRequest;
import flymq.protocol.message.RegisterSchemaRequest;
import flymq.protocol.message.RegisterSchemaResponse;
import flymq.protocol.message.ProduceTxRequest;
import flymq.protocol.message.ResetOffsetRequest;
import flymq.protocol.message.SchemaVersionRequest;
import flymq.protocol.message.SeekToTimestampRequest;
import flymq.protocol.message.SubscribeRequest;
import flymq.protocol.message.TimedProduceRequest;
import flymq.protocol.message.TopicMetadataRequest;
import flymq.protocol.message.TopicMetadataResponse;
import flymq.protocol.message.ValidateSchemaRequest;
import flymq.protocol.message.ValidateSchemaResponse;
import flymq.protocol.message.TxnCommitOffsetRequest;
import flymq.protocol.message.TxnRequest;
import flymq.protocol.message.TxnResponse;
import flymq.protocol.message.WhoAmIResponse;
import flymq.protocol.message.WireMessage;
import flymq.protocol.record.InvalidRecordException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import static flymq.protocol.ExtensionOpcodes.BATCH_FETCH;
import static flymq.protocol.ExtensionOpcodes.BATCH_PRODUCE;
import static flymq.protocol.ExtensionOpcodes.BATCH_PRODUCE_TX;
import static flymq.protocol.ExtensionOpcodes.TXN_COMMIT_OFFSET;
import static flymq.protocol.ExtensionOpcodes.CLUSTER_MEMBERSHIP;
import static flymq.protocol.Opcodes.*;

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
 * <p>TLS: {@link Builder#tls()} and its siblings; every connection (and reconnection) then handshakes before its
 * first request, and the server's certificate is verified against the trusted CAs and the host name.
 *
 * <p>Errors: {@link FlyMqServerException} (and its {@link NotLeaderException}, {@link AuthenticationException})
 * carry the server's text; {@link ConnectionException} means no broker answered; {@link ProtocolException} means
 * the server broke the wire format.
 */
public final class FlyMqClient implements AutoCloseable {

    private final List<InetSocketAddress> servers;
    private final int connectTimeoutMillis;
    /** Between tries of a topic change while a metadata leader is elected (elections take a few hundred ms). */
    private static final long ELECTION_RETRY_MS = 100;

    private final long requestTimeoutMillis;
    private final long readSpinNanos;
    private final int connectPasses;
    private final InstantSource clock;
    private final ClientTls tls;
    private final Object connectLock = new Object();
    private volatile Connection connection;
    private int nextServer;
    private volatile String username;
    private volatile String password;
    private volatile boolean closed;
    private volatile long connectionGeneration;
    /** Whether a lost connection is replaced on the next call (false: the call fails, see {@link #toLeader}). */
    private final boolean reconnects;

    private FlyMqClient(Builder b) {
        this.servers = BootstrapServers.parse(b.bootstrap);
        this.connectTimeoutMillis = (int) b.connectTimeout.toMillis();
        this.requestTimeoutMillis = b.requestTimeout.toMillis();
        this.readSpinNanos = b.readSpin.toNanos();
        this.connectPasses = b.connectPasses;
        this.clock = b.clock;
        this.tls = b.buildTls();
        this.username = b.username;
        this.password = b.password;
        this.reconnects = true;
    }

    private FlyMqClient(FlyMqClient settings, List<InetSocketAddress> server) {
        this.servers = server;
        this.connectTimeoutMillis = settings.connectTimeoutMillis;
        this.requestTimeoutMillis = settings.requestTimeoutMillis;
        this.readSpinNanos = settings.readSpinNanos;
        this.connectPasses = 1;
        this.clock = settings.clock;
        this.tls = settings.tls;
        this.username = settings.username;
        this.password = settings.password;
        this.reconnects = false;
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
        private InstantSource clock = InstantSource.system();
        private String username;
        private String password;
        private boolean tlsOn;
        private Path tlsCaFile;
        private Path tlsCertFile;
        private Path tlsKeyFile;
        private boolean tlsInsecure;
        private boolean tlsVerifyHostname = true;
        private SSLContext sslContext;

        private Builder() {
        }

        /**
         * Connects over TLS (1.3 or 1.2), trusting the CAs of the JVM's default trust store unless
         * {@link #tlsTrust} names others.
         */
        public Builder tls() {
            this.tlsOn = true;
            return this;
        }

        /** Connects over TLS and trusts the CA certificates in this PEM file (only them) to vouch for servers. */
        public Builder tlsTrust(Path caPemFile) {
            this.tlsCaFile = Objects.requireNonNull(caPemFile, "caPemFile");
            this.tlsOn = true;
            return this;
        }

        /**
         * Connects over TLS and presents this certificate (PEM, leaf first) with its private key (PEM: PKCS#8,
         * PKCS#1 RSA or SEC1 EC) when the server asks for one (mutual TLS).
         */
        public Builder tlsClientCertificate(Path certPemFile, Path keyPemFile) {
            this.tlsCertFile = Objects.requireNonNull(certPemFile, "certPemFile");
            this.tlsKeyFile = Objects.requireNonNull(keyPemFile, "keyPemFile");
            this.tlsOn = true;
            return this;
        }

        /**
         * Connects over TLS and accepts any server certificate, as the official SDKs' insecure mode: the traffic is
         * encrypted, but anyone in the middle can read it. For tests against a throw-away certificate only.
         */
        public Builder tlsInsecure() {
            this.tlsInsecure = true;
            this.tlsOn = true;
            return this;
        }

        /**
         * Whether the server's certificate must name the host connected to (default true, as HTTPS; the official
         * Java SDK does not check it). Turn it off only for certificates made without the names clients use.
         */
        public Builder tlsVerifyHostname(boolean verify) {
            this.tlsVerifyHostname = verify;
            return this;
        }

        /**
         * Connects over TLS with this context (its key and trust managers: a JKS or PKCS#12 trust store, a
         * hardware token...); {@link #tlsTrust}, {@link #tlsClientCertificate} and {@link #tlsInsecure} then do not
         * apply. Versions and cipher suites are still restricted to those FlyMQ allows.
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            this.tlsOn = true;
            return this;
        }

        /** The TLS settings, built (files read) now so that a bad file fails {@link #build()} itself. */
        private ClientTls buildTls() {
            if (!tlsOn) {
                return null;
            }
            if (sslContext != null) {
                return new ClientTls(sslContext, tlsVerifyHostname && !tlsInsecure);
            }
            return ClientTls.fromFiles(tlsCaFile, tlsCertFile, tlsKeyFile, tlsInsecure, tlsVerifyHostname);
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

        /**
         * The clock by which records of a BATCH_FETCH answer count as expired (TTL) and are left out (default the
         * system clock); it should agree with the brokers' clocks, which hide expired records from the other reads.
         */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
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
            if (c != null && !reconnects) {
                throw new ConnectionException("the connection to " + c.address() + " was lost");
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

    /**
     * A client of {@code hostPort} alone (a partition leader named by CLUSTER_METADATA, which need not be in the
     * bootstrap list) with this client's settings: timeouts, read spin, clock, TLS (the server's certificate is
     * checked against {@code hostPort}'s host), and the credentials this client logs in with now. It is connected
     * and logged in before it is returned. Unlike this client it does not reconnect: once its connection is lost
     * every call fails with {@link ConnectionException}, and its owner ({@link FlyMqProducer}) closes it and opens
     * another when it needs one.
     *
     * @throws IllegalArgumentException {@code hostPort} is not one {@code host:port}
     * @throws ConnectionException      it cannot be reached
     * @throws FlyMqServerException     it refused the login ({@link AuthenticationException}) or answered it with
     *                                  an error
     */
    FlyMqClient toLeader(String hostPort) {
        List<InetSocketAddress> server = BootstrapServers.parse(hostPort);
        if (server.size() != 1) {
            throw new IllegalArgumentException("'" + hostPort + "' is not one host:port");
        }
        FlyMqClient leader = new FlyMqClient(this, server);
        try {
            leader.connection();
        } catch (RuntimeException e) {
            leader.close();
            throw e;
        }
        return leader;
    }

    /** The {@code host:port} of the connection if it is open, else null; never connects. */
    String openServer() {
        Connection c = connection;
        return c != null && c.isOpen() ? c.address() : null;
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
                            readSpinNanos, tls);
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
        AuthResponse r;
        try {
            Frame f = c.call("AUTH", AUTH, encode(new AuthRequest(user, pass)));
            r = decode("AUTH", f, AuthResponse::read);
        } catch (RuntimeException e) {
            c.close(); // e.g. an ERROR answer (too many failed logins): the connection is not handed out
            throw e;
        }
        if (!r.success()) {
            c.close();
            throw new AuthenticationException("AUTH", r.error().isEmpty() ? "authentication failed for user " + user
                    : r.error());
        }
    }

    // ------------------------------------------------------------------ request plumbing

    /** A request's payload, in a writer sized for it once. */
    static PayloadWriter encode(WireMessage request) {
        PayloadWriter w = new PayloadWriter(request.sizeHint());
        request.write(w);
        return w;
    }

    /** Sends a request and decodes its answer; read-only requests are retried once after a connection failure. */
    <T> T call(String name, int opcode, WireMessage request, boolean idempotent,
               Function<PayloadReader, T> decoder) {
        return decode(name, callFrame(name, opcode, encode(request), idempotent), decoder);
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

    /**
     * Pipelined variant: many may be in flight; each future completes in request order. {@code w} is written to the
     * connection (or the request failed) by the time it returns, so the caller may reuse it.
     */
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

    /**
     * Decodes an answer; a layout the decoder cannot read (or stored records that do not check out) becomes a
     * {@link ProtocolException} naming the request.
     */
    static <T> T decode(String name, Frame f, Function<PayloadReader, T> decoder) {
        byte[] payload = check(name, f);
        try {
            return decoder.apply(new PayloadReader(payload));
        } catch (MalformedPayloadException | InvalidRecordException e) {
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
        return new String(p, StandardCharsets.UTF_8);
    }

    private static void requireTopic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
    }

    private static Void ignore(PayloadReader r) {
        return null;
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
                FlyMqClient::recordMetadata);
    }

    /** Pipelined PRODUCE: returns at once; answers complete the futures in the order the requests were sent. */
    public CompletableFuture<RecordMetadata> produceAsync(String topic, int partition, byte[] key, byte[] value) {
        return callAsync("PRODUCE", PRODUCE, encode(produceRequest(topic, partition, key, value)), true,
                FlyMqClient::recordMetadata);
    }

    /**
     * PRODUCE_WITH_TTL: a keyless record that expires {@code ttl} after the broker receives it; from then on no read
     * returns it, lag leaves it out and retention removes it with its segment.
     */
    public RecordMetadata produceWithTtl(String topic, byte[] value, Duration ttl) {
        return produceWithTtl(topic, -1, null, value, ttl);
    }

    /** PRODUCE_WITH_TTL with a key and/or an explicit partition ({@code -1} lets the server choose). */
    public RecordMetadata produceWithTtl(String topic, int partition, byte[] key, byte[] value, Duration ttl) {
        requireTopic(topic);
        Objects.requireNonNull(value, "value");
        return call("PRODUCE_WITH_TTL", PRODUCE_WITH_TTL,
                new TimedProduceRequest(topic, value, positiveMillis(ttl, "ttl"), key, partition), false,
                FlyMqClient::recordMetadata);
    }

    /**
     * PRODUCE_DELAYED: the broker keeps the record aside and appends it to the topic {@code delay} after it received
     * it (on a single broker, or replicated by the partition's Raft group in a cluster). The record's offset is given at delivery; the answer names the
     * schedule ({@link ScheduledRecord#delayId()}, for {@link #cancelDelayed}) and when it is due.
     */
    public ScheduledRecord produceDelayed(String topic, byte[] value, Duration delay) {
        return produceDelayed(topic, -1, null, value, delay);
    }

    /** PRODUCE_DELAYED with a key and/or an explicit partition ({@code -1} lets the server choose). */
    public ScheduledRecord produceDelayed(String topic, int partition, byte[] key, byte[] value, Duration delay) {
        requireTopic(topic);
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, got " + delay);
        }
        return call("PRODUCE_DELAYED", PRODUCE_DELAYED,
                new TimedProduceRequest(topic, value, delay.toMillis(), key, partition), false, r -> {
                    ProduceResponse m = ProduceResponse.read(r);
                    return new ScheduledRecord(m.topic(), m.partition(), m.offset(), m.timestamp());
                });
    }

    /**
     * CANCEL_DELAYED: true when the scheduled record will now never be delivered; false when it was already
     * delivered or cancelled, or is unknown.
     */
    public boolean cancelDelayed(String topic, long delayId) {
        requireTopic(topic);
        return call("CANCEL_DELAYED", CANCEL_DELAYED, new CancelDelayedRequest(topic, delayId), false,
                r -> CancelDelayedResponse.read(r).cancelled());
    }

    /**
     * FETCH_DLQ 0x20: up to {@code max} dead letters of {@code topic}'s queue not replayed yet, oldest first (an
     * empty list when the broker has no dead-letter queues, as upstream answers).
     */
    public List<DeadLetter> fetchDlq(String topic, int max) {
        requireTopic(topic);
        return call("FETCH_DLQ", FETCH_DLQ, new DlqFetchRequest(topic, max), true, r -> {
            List<DeadLetter> out = new ArrayList<>();
            for (DlqFetchResponse.Entry e : DlqFetchResponse.read(r).messages()) {
                out.add(new DeadLetter(e.id(), e.data(), e.error(), e.retries()));
            }
            return out;
        });
    }

    /**
     * REPLAY_DLQ 0x21 (id form): copies dead letter {@code id} back into {@code topic}. Safe to retry: a replay the
     * broker already did answers success again without a second copy.
     */
    public DlqResult replayDlq(String topic, String id) {
        requireTopic(topic);
        Objects.requireNonNull(id, "id");
        return call("REPLAY_DLQ", REPLAY_DLQ, DlqReplayRequest.byId(topic, id), true, r -> {
            DlqReplayResponse a = DlqReplayResponse.read(r, false);
            return new DlqResult(a.success(), a.message());
        });
    }

    /** REPLAY_DLQ 0x21 in the SDKs' offset form ({@code reInjectDLQ}): the dead letter at {@code offset} of the queue. */
    public DlqResult replayDlq(String topic, long offset) {
        requireTopic(topic);
        return call("REPLAY_DLQ", REPLAY_DLQ, DlqReplayRequest.byOffset(topic, offset), true, r -> {
            DlqReplayResponse a = DlqReplayResponse.read(r, true);
            return new DlqResult(a.success(), a.message());
        });
    }

    /** PURGE_DLQ 0x22: deletes {@code topic}'s queue with every dead letter in it. */
    public DlqResult purgeDlq(String topic) {
        requireTopic(topic);
        return call("PURGE_DLQ", PURGE_DLQ, new DlqPurgeRequest(topic), true, r -> {
            DlqPurgeResponse a = DlqPurgeResponse.read(r);
            return new DlqResult(a.success(), a.message());
        });
    }

    /**
     * DLQ_NACK 0xC8 (our extension): consumer group {@code group} failed the record at {@code topic}/{@code partition}
     * /{@code offset} because of {@code error}. The answer says whether it was dead-lettered or when to try again
     * ({@link FlyMqConsumer#nack} acts on it).
     */
    public NackResult nack(String group, String topic, int partition, long offset, String error) {
        requireTopic(topic);
        Objects.requireNonNull(group, "group");
        return call("DLQ_NACK", flymq.protocol.ExtensionOpcodes.DLQ_NACK,
                new NackRequest(group, topic, partition, offset, error == null ? "" : error), false, r -> {
                    NackResponse a = NackResponse.read(r);
                    return new NackResult(a.deadLettered(), a.failures(), a.retryAtMs(), a.dlqId());
                });
    }

    private static long positiveMillis(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.toMillis() <= 0) {
            throw new IllegalArgumentException(what + " must be at least 1 ms, got " + d);
        }
        return d.toMillis();
    }

    private static ProduceRequest produceRequest(String topic, int partition, byte[] key, byte[] value) {
        requireTopic(topic);
        Objects.requireNonNull(value, "value");
        return new ProduceRequest(topic, key, value, partition);
    }

    private static RecordMetadata recordMetadata(PayloadReader r) {
        ProduceResponse m = ProduceResponse.read(r);
        return new RecordMetadata(m.topic(), m.partition(), m.offset(), m.timestamp(), m.keySize(), m.valueSize());
    }

    /** CONSUME one record at {@code offset}; the server answers {@code EOF} when there is none. */
    public Message consume(String topic, int partition, long offset) {
        requireTopic(topic);
        return call("CONSUME", CONSUME, new ConsumeRequest(topic, partition, offset), true, r -> {
            ConsumeResponse c = ConsumeResponse.read(r);
            return new Message(topic, partition, offset, -1, c.key(), c.value(), List.of());
        });
    }

    /** FETCH up to {@code maxMessages} records from {@code offset} (no filter). */
    public FetchResult fetch(String topic, int partition, long offset, int maxMessages) {
        return fetch(topic, partition, offset, maxMessages, "");
    }

    /** FETCH with the server-side filter (substring, regex, or {@code $.json.path}); empty filter = none. */
    public FetchResult fetch(String topic, int partition, long offset, int maxMessages, String filter) {
        return call("FETCH", FETCH, fetchRequest(topic, partition, offset, maxMessages, filter), true,
                r -> fetchResult(r, topic, partition));
    }

    /** FETCH_BINARY (0x0B): the same request and answer as FETCH under its own opcode. */
    public FetchResult fetchBinary(String topic, int partition, long offset, int maxMessages) {
        return call("FETCH_BINARY", FETCH_BINARY, fetchRequest(topic, partition, offset, maxMessages, ""), true,
                r -> fetchResult(r, topic, partition));
    }

    private static FetchRequest fetchRequest(String topic, int partition, long offset, int max, String filter) {
        requireTopic(topic);
        return new FetchRequest(topic, partition, offset, max, filter);
    }

    private static FetchResult fetchResult(PayloadReader r, String topic, int partition) {
        FetchResponse f = FetchResponse.read(r);
        List<Message> records = new ArrayList<>(f.records().size());
        for (FetchResponse.Entry e : f.records()) {
            records.add(new Message(topic, partition, e.offset(), -1, e.key(), e.value(), List.of()));
        }
        return new FetchResult(records, f.nextOffset());
    }

    // ------------------------------------------------------------------ extension: batch produce / fetch

    /**
     * BATCH_PRODUCE (extension 0xC0): many records for one or several partitions of {@code topic} in one frame;
     * one answer per group with its base offset, or that group's error.
     */
    public List<PartitionAppend> batchProduce(String topic, Acks acks, List<PartitionRecords> groups) {
        return decode("BATCH_PRODUCE", callFrame("BATCH_PRODUCE", BATCH_PRODUCE,
                batchProduceRequest(topic, acks, groups), false), FlyMqClient::partitionAppends);
    }

    /**
     * BATCH_PRODUCE as an idempotent producer sends it: {@code producerId} (> 0) and each group's first sequence
     * number ({@code firstSequences[i]} for {@code groups.get(i)}: the producer's count of records sent to that
     * partition before the group; -1 for a group that is not deduplicated). Sending the same groups again with the
     * same numbers (a retry after a lost answer) appends nothing a partition already appended and answers with the
     * first offsets. {@link FlyMqProducer} numbers its batches this way with acks all.
     */
    public List<PartitionAppend> batchProduce(String topic, Acks acks, List<PartitionRecords> groups, long producerId,
                                              int[] firstSequences) {
        Objects.requireNonNull(firstSequences, "firstSequences");
        if (firstSequences.length != groups.size()) {
            throw new IllegalArgumentException(firstSequences.length + " sequences for " + groups.size() + " groups");
        }
        return decode("BATCH_PRODUCE", callFrame("BATCH_PRODUCE", BATCH_PRODUCE,
                batchProduceRequest(topic, acks, groups, producerId, firstSequences), false),
                FlyMqClient::partitionAppends);
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
        return callAsync("BATCH_PRODUCE", BATCH_PRODUCE, w, true, FlyMqClient::partitionAppends);
    }

    /**
     * Pipelined BATCH_PRODUCE of an idempotent producer: {@code producerId} and each group's first sequence number
     * ({@code firstSequences[i]} for {@code groups.get(i)}, -1: not deduplicated) travel in the request's trailer, so
     * that a partition that already appended a group answers its retry with the first answer.
     */
    CompletableFuture<List<PartitionAppend>> batchProduceAsync(String topic, Acks acks, List<PartitionRecords> groups,
                                                               long producerId, int[] firstSequences) {
        return batchProduceAsync(topic, acks, groups, producerId, firstSequences, null);
    }

    /**
     * Pipelined BATCH_PRODUCE encoded into {@code buffer} (emptied first; null: a writer of its own), with
     * {@code producerId} {@link BatchProduceRequest#NO_PRODUCER} for a request that is not deduplicated. The
     * request is written before this returns, so a caller that sends one request at a time can keep one buffer for
     * all of them: {@link FlyMqProducer}'s sender, which would otherwise allocate a writer the size of each request.
     */
    CompletableFuture<List<PartitionAppend>> batchProduceAsync(String topic, Acks acks, List<PartitionRecords> groups,
                                                               long producerId, int[] firstSequences,
                                                               PayloadWriter buffer) {
        PayloadWriter w;
        try {
            w = batchProduceRequest(topic, acks, groups, producerId, firstSequences, buffer);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return callAsync("BATCH_PRODUCE", BATCH_PRODUCE, w, true, FlyMqClient::partitionAppends);
    }

    /** Encodes the request straight from the records, sized once ({@link BatchProduceRequest#writer}). */
    static PayloadWriter batchProduceRequest(String topic, Acks acks, List<PartitionRecords> groups) {
        return batchProduceRequest(topic, acks, groups, BatchProduceRequest.NO_PRODUCER, null);
    }

    private static PayloadWriter batchProduceRequest(String topic, Acks acks, List<PartitionRecords> groups,
                                                     long producerId, int[] firstSequences) {
        return batchProduceRequest(topic, acks, groups, producerId, firstSequences, null);
    }

    private static PayloadWriter batchProduceRequest(String topic, Acks acks, List<PartitionRecords> groups,
                                                     long producerId, int[] firstSequences, PayloadWriter buffer) {
        requireTopic(topic);
        PayloadWriter w;
        if (buffer != null) {
            w = buffer.reset(); // grows as it is written, and keeps its size for the next request
        } else {
            int size = topic.length() * 3 + 24;
            for (PartitionRecords g : groups) {
                size += BatchProduceRequest.GROUP_HEADER_BYTES + 4;
                for (ProducerRecord r : g.records()) {
                    size += r.encodedSize();
                }
            }
            w = new PayloadWriter(size);
        }
        BatchProduceRequest.Writer out = BatchProduceRequest.writer(w, topic, acks, groups.size());
        for (PartitionRecords g : groups) {
            if (g.records().isEmpty()) {
                throw new IllegalArgumentException("BATCH_PRODUCE group for partition " + g.partition() + " is empty");
            }
            out.group(g.partition(), g.records().size());
            for (ProducerRecord r : g.records()) {
                out.record(r.timestamp(), r.key(), r.value(), r.headers().size());
                for (Header h : r.headers()) {
                    out.header(h.key(), h.value());
                }
            }
        }
        if (producerId == BatchProduceRequest.NO_PRODUCER) {
            out.end(false);
        } else {
            out.endIdempotent(producerId, firstSequences);
        }
        return w;
    }

    private static List<PartitionAppend> partitionAppends(PayloadReader r) {
        BatchProduceResponse answer = BatchProduceResponse.read(r);
        List<PartitionAppend> out = new ArrayList<>(answer.groups().size());
        for (BatchProduceResponse.GroupResult g : answer.groups()) {
            out.add(new PartitionAppend(g.partition(), g.baseOffset(), g.recordCount(), g.error()));
        }
        return out;
    }

    /**
     * BATCH_FETCH (extension 0xC1): records with timestamps and headers from several partitions of {@code topic};
     * at most about {@code maxBytesPerPartition} each (at least one record when one exists).
     */
    public List<PartitionFetch> batchFetch(String topic, List<FetchPosition> positions, int maxBytesPerPartition) {
        return batchFetch(topic, positions, maxBytesPerPartition, IsolationLevel.READ_COMMITTED);
    }

    /**
     * BATCH_FETCH at an isolation level: {@code READ_COMMITTED} returns records of committed transactions only, up
     * to each partition's last stable offset; {@code READ_UNCOMMITTED} every record. Transaction markers are never
     * returned as messages.
     */
    public List<PartitionFetch> batchFetch(String topic, List<FetchPosition> positions, int maxBytesPerPartition,
                                           IsolationLevel isolation) {
        requireTopic(topic);
        Objects.requireNonNull(isolation, "isolation");
        if (maxBytesPerPartition <= 0) {
            throw new IllegalArgumentException("maxBytesPerPartition must be positive, got " + maxBytesPerPartition);
        }
        List<BatchFetchRequest.Position> wanted = new ArrayList<>(positions.size());
        for (FetchPosition p : positions) {
            wanted.add(new BatchFetchRequest.Position(p.partition(), p.offset()));
        }
        return call("BATCH_FETCH", BATCH_FETCH, new BatchFetchRequest(topic, maxBytesPerPartition, wanted, false,
                        isolation.wire()), true, r -> partitionFetches(r, topic, clock.millis()));
    }

    private static List<PartitionFetch> partitionFetches(PayloadReader r, String topic, long nowMs) {
        BatchFetchResponse answer = BatchFetchResponse.read(r);
        List<PartitionFetch> out = new ArrayList<>(answer.partitions().size());
        int pos = r.position();
        for (BatchFetchResponse.PartitionHeader p : answer.partitions()) {
            StoredRecordBytes.Decoded records = StoredRecordBytes.decode(topic, p.partition(), r.array(), pos,
                    p.byteLength(), p.recordCount(), nowMs);
            pos += p.byteLength();
            out.add(new PartitionFetch(p.partition(), p.error(), p.startOffset(), p.endOffset(), records.messages(),
                    records.lastOffset()));
        }
        return out;
    }

    // ------------------------------------------------------------------ transactions

    /**
     * BEGIN_TX: opens a transaction on the connected broker. Records produced through it become visible to
     * read-committed readers only when it commits; an abort (or the broker's {@code transaction.timeout}) discards
     * them. Close it to abort it if it is neither committed nor aborted.
     */
    public FlyMqTransaction beginTransaction() {
        String id = call("BEGIN_TX", BEGIN_TX, EmptyRequest.INSTANCE, false, r -> TxnResponse.read(r).txnId());
        return new FlyMqTransaction(this, id);
    }

    /**
     * A handle on a transaction begun elsewhere (another connection or process), by the id BEGIN_TX answered there:
     * the broker, not the connection, owns a transaction.
     */
    public FlyMqTransaction transaction(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        return new FlyMqTransaction(this, txnId);
    }

    /** PRODUCE_TX: one keyless record within transaction {@code txnId}; the broker picks the partition. */
    RecordMetadata produceInTransaction(String txnId, String topic, byte[] value) {
        requireTopic(topic);
        Objects.requireNonNull(value, "value");
        return call("PRODUCE_TX", PRODUCE_TX, new ProduceTxRequest(txnId, topic, value), false,
                FlyMqClient::recordMetadata);
    }

    /**
     * BATCH_PRODUCE_TX (extension 0xC2): BATCH_PRODUCE within transaction {@code txnId}, as its {@code sequence}-th
     * batch. A batch whose connection broke or timed out is sent once more with the same sequence: the broker
     * appends it at most once and answers the retry with the first answer.
     */
    List<PartitionAppend> batchProduceInTransaction(String txnId, long sequence, String topic, Acks acks,
                                                    List<PartitionRecords> groups) {
        PayloadWriter body = batchProduceRequest(topic, acks, groups);
        PayloadWriter w = new PayloadWriter(body.size() + 10 + txnId.length() * 3);
        BatchProduceTxRequest.writeHeader(w, txnId, sequence);
        byte[] bytes = body.toPayload();
        w.raw(bytes, 0, bytes.length);
        Frame f;
        try {
            f = callFrame("BATCH_PRODUCE_TX", BATCH_PRODUCE_TX, w, false);
        } catch (ConnectionException e) { // also a RequestTimeoutException: the answer may be lost, not the batch
            if (closed) {
                throw e;
            }
            f = callFrame("BATCH_PRODUCE_TX", BATCH_PRODUCE_TX, w, false);
        }
        return decode("BATCH_PRODUCE_TX", f, FlyMqClient::partitionAppends);
    }

    /** TXN_COMMIT_OFFSET (extension 0xC3): a group offset committed if and when transaction {@code txnId} is. */
    void commitOffsetInTransaction(String txnId, String topic, String group, int partition, long nextOffset) {
        requireTopic(topic);
        call("TXN_COMMIT_OFFSET", TXN_COMMIT_OFFSET, new TxnCommitOffsetRequest(txnId, topic, group, partition,
                nextOffset), false, FlyMqClient::ignore);
    }

    /** COMMIT_TX or ABORT_TX. */
    void endTransaction(String txnId, boolean commit) {
        call(commit ? "COMMIT_TX" : "ABORT_TX", commit ? COMMIT_TX : ABORT_TX, new TxnRequest(txnId), false,
                FlyMqClient::ignore);
    }

    // ------------------------------------------------------------------ topics

    /**
     * CREATE_TOPIC as FlyMQ 1.26 sends it ({@code str16 topic · i32 partitions}): the broker's default replication
     * factor applies (1 on a single node, up to 3 in a cluster). Creating an existing topic succeeds.
     */
    public void createTopic(String topic, int partitions) {
        requireTopic(topic);
        whileElecting(() -> call("CREATE_TOPIC", CREATE_TOPIC, CreateTopicRequest.of(topic, partitions), false,
                FlyMqClient::ignore));
    }

    /**
     * CREATE_TOPIC with a replication factor. 1.26 has no field for it, so this sends our settings block after the
     * two 1.26 fields ({@code i32 replication_factor · i64 retention_ms · i64 retention_bytes · i64 segment_bytes ·
     * i64 segment_ms}, -1 = broker default; docs/protocol.md). The broker refuses a factor above its node count.
     */
    public void createTopic(String topic, int partitions, int replicationFactor) {
        requireTopic(topic);
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1, got " + replicationFactor);
        }
        whileElecting(() -> call("CREATE_TOPIC", CREATE_TOPIC, new CreateTopicRequest(topic, partitions,
                new CreateTopicRequest.Settings(replicationFactor, -1, -1, -1, -1), false), false,
                FlyMqClient::ignore));
    }

    /**
     * CREATE_TOPIC with our settings block and a time to live of the topic's own: records produced into it without
     * one expire {@code ttl} after the broker receives them ({@link Duration#ZERO}: they never expire, whatever the
     * broker's {@code ttl.default_ttl}). {@code replicationFactor} -1 leaves it to the broker.
     */
    public void createTopic(String topic, int partitions, int replicationFactor, Duration ttl) {
        requireTopic(topic);
        Objects.requireNonNull(ttl, "ttl");
        if (replicationFactor < 1 && replicationFactor != -1) {
            throw new IllegalArgumentException("replication factor must be at least 1 (or -1), got "
                    + replicationFactor);
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative, got " + ttl);
        }
        whileElecting(() -> call("CREATE_TOPIC", CREATE_TOPIC, new CreateTopicRequest(topic, partitions,
                new CreateTopicRequest.Settings(replicationFactor, -1, -1, -1, -1, ttl.toMillis()), false), false,
                FlyMqClient::ignore));
    }

    /** DELETE_TOPIC; deleting a missing topic succeeds. */
    public void deleteTopic(String topic) {
        requireTopic(topic);
        whileElecting(() -> call("DELETE_TOPIC", DELETE_TOPIC, new DeleteTopicRequest(topic, false), false,
                FlyMqClient::ignore));
    }

    /**
     * ALTER_TOPIC (0xC4, FlyMQ's extension): changes settings of an existing topic; only the keys given change
     * ({@link AlterTopicRequest#SETTINGS}: retention_ms, retention_bytes, segment_bytes, segment_ms, ttl_ms; -1 puts
     * one back to the broker's default). The broker refuses all of them when one is unknown or out of range. In a
     * cluster the change goes through the metadata Raft group to every node.
     */
    public void alterTopic(String topic, Map<String, Long> settings) {
        requireTopic(topic);
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("no setting to change for topic " + topic);
        }
        whileElecting(() -> call("ALTER_TOPIC", flymq.protocol.ExtensionOpcodes.ALTER_TOPIC,
                new AlterTopicRequest(topic, settings, false), false, FlyMqClient::ignore));
    }

    /**
     * CREATE_PARTITIONS (0xC5, FlyMQ's extension; Kafka's CreatePartitions): grows {@code topic} to
     * {@code partitions} partitions in all. Records already written stay in their partitions; keyed records
     * produced from now on go to FNV-1a(key) mod the new count, so a key's later records may land in another
     * partition than its earlier ones. The current count changes nothing (a retry is harmless); fewer is refused,
     * naming the current count. In a cluster the new partitions get replicas and Raft groups on every node.
     */
    public void createPartitions(String topic, int partitions) {
        requireTopic(topic);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        whileElecting(() -> call("CREATE_PARTITIONS", flymq.protocol.ExtensionOpcodes.CREATE_PARTITIONS,
                new CreatePartitionsRequest(topic, partitions, false), false, FlyMqClient::ignore));
    }

    /**
     * Runs a topic change again while the cluster answers that it has no metadata leader (the first election after
     * a start, or a leader that just died), for at most the request timeout, as Kafka's admin client retries a
     * request its controller cannot take yet. Each of these changes is idempotent (an existing topic, a missing one
     * on delete, the current partition count, the same settings all succeed), so a retry never doubles one. Any
     * other failure, and a not-leader answer that names a leader, is the caller's at once.
     */
    private void whileElecting(Runnable change) {
        long deadline = System.nanoTime() + requestTimeoutMillis * 1_000_000L;
        while (true) {
            try {
                change.run();
                return;
            } catch (NotLeaderException e) {
                if (!e.serverMessage().contains("no leader elected") || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(ELECTION_RETRY_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** LIST_TOPICS: names sorted, internal ({@code __}) topics excluded. */
    public List<String> listTopics() {
        return call("LIST_TOPICS", LIST_TOPICS, EmptyRequest.INSTANCE, true, r -> ListTopicsResponse.read(r).topics());
    }

    /** METADATA (0x04, our layout; upstream has none): a topic's settings and per-partition log state. */
    public TopicMetadata metadata(String topic) {
        requireTopic(topic);
        return call("METADATA", METADATA, new TopicMetadataRequest(topic), true, r -> {
            TopicMetadataResponse m = TopicMetadataResponse.read(r);
            List<TopicMetadata.PartitionState> parts = new ArrayList<>(m.partitions().size());
            for (TopicMetadataResponse.Partition p : m.partitions()) {
                parts.add(new TopicMetadata.PartitionState(p.partition(), p.leaderId(), p.startOffset(),
                        p.endOffset(), p.sizeBytes(), p.segments()));
            }
            return new TopicMetadata(m.topic(), m.partitionCount(), m.replicationFactor(), m.retentionMs(),
                    m.retentionBytes(), m.segmentBytes(), m.segmentMs(), m.createdMs(), parts, m.ttlMs());
        });
    }

    // ------------------------------------------------------------------ consumer groups

    /** SUBSCRIBE: registers this connection in {@code group} (if non-empty) and returns where to read next. */
    public long subscribe(String topic, String group, int partition, SubscribeMode mode) {
        requireTopic(topic);
        return call("SUBSCRIBE", SUBSCRIBE, new SubscribeRequest(topic, group, partition, mode.wireName()), false,
                r -> OffsetResponse.read(r).offset());
    }

    /** COMMIT the next offset to read for (topic, group, partition). */
    public void commit(String topic, String group, int partition, long nextOffset) {
        requireTopic(topic);
        call("COMMIT", COMMIT, new CommitRequest(topic, group, partition, nextOffset, false), false,
                FlyMqClient::ignore);
    }

    /** Pipelined COMMIT (used by auto-commit so that it never blocks a poll). */
    public CompletableFuture<Void> commitAsync(String topic, String group, int partition, long nextOffset) {
        requireTopic(topic);
        return callAsync("COMMIT", COMMIT, encode(new CommitRequest(topic, group, partition, nextOffset, false)),
                true, FlyMqClient::ignore);
    }

    /** GET_OFFSET: the committed offset, 0 when the partition has none. */
    public long getOffset(String topic, String group, int partition) {
        requireTopic(topic);
        return call("GET_OFFSET", GET_OFFSET, new GroupPartitionRequest(topic, group, partition), true,
                r -> OffsetResponse.read(r).offset());
    }

    /** RESET_OFFSET to the first retained offset. */
    public void resetOffsetToEarliest(String topic, String group, int partition) {
        resetOffset(topic, group, partition, "earliest", OptionalLong.empty());
    }

    /** RESET_OFFSET to the partition's next offset. */
    public void resetOffsetToLatest(String topic, String group, int partition) {
        resetOffset(topic, group, partition, "latest", OptionalLong.empty());
    }

    /** RESET_OFFSET to an explicit offset. */
    public void resetOffset(String topic, String group, int partition, long offset) {
        resetOffset(topic, group, partition, "offset", OptionalLong.of(offset));
    }

    private void resetOffset(String topic, String group, int partition, String mode, OptionalLong offset) {
        requireTopic(topic);
        call("RESET_OFFSET", RESET_OFFSET, new ResetOffsetRequest(topic, group, partition, mode, offset, false),
                false, FlyMqClient::ignore);
    }

    /** LIST_GROUPS (Go/Python layout): one entry per (topic, group). */
    public List<GroupInfo> listGroups() {
        return call("LIST_GROUPS", LIST_GROUPS, EmptyRequest.INSTANCE, true, r -> {
            List<GroupSummary> groups = ListGroupsResponse.read(r).groups();
            List<GroupInfo> out = new ArrayList<>(groups.size());
            for (GroupSummary g : groups) {
                out.add(groupInfo(g));
            }
            return out;
        });
    }

    /** DESCRIBE_GROUP (Go/Python request {@code topic · group}). */
    public GroupInfo describeGroup(String topic, String group) {
        requireTopic(topic);
        return call("DESCRIBE_GROUP", DESCRIBE_GROUP, new DescribeGroupRequest(topic, group), true,
                r -> groupInfo(GroupSummary.read(r)));
    }

    private static GroupInfo groupInfo(GroupSummary g) {
        Map<Integer, Long> offsets = new HashMap<>();
        for (GroupSummary.PartitionOffset o : g.offsets()) {
            offsets.put(o.partition(), o.offset());
        }
        return new GroupInfo(g.topic(), g.group(), g.memberCount(), offsets);
    }

    /** DELETE_GROUP (Go/Python request {@code topic · group}): forgets its offsets and members. */
    public void deleteGroup(String topic, String group) {
        requireTopic(topic);
        call("DELETE_GROUP", DELETE_GROUP, new DeleteGroupRequest(topic, group, false), false, FlyMqClient::ignore);
    }

    // ------------------------------------------------------------------ schema registry (wire spec 11)

    /** REGISTER_SCHEMA: a new version of {@code subject} (type json, avro or protobuf), checked by its mode. */
    public SchemaRegistration registerSchema(String subject, String type, byte[] definition) {
        return registerSchema(subject, type, definition, "");
    }

    /**
     * REGISTER_SCHEMA that also sets the subject's compatibility mode ({@code BACKWARD}, {@code FULL_TRANSITIVE},
     * ...; empty keeps it): an extension field the SDKs do not send.
     */
    public SchemaRegistration registerSchema(String subject, String type, byte[] definition, String compatibility) {
        RegisterSchemaResponse r = call("REGISTER_SCHEMA", REGISTER_SCHEMA,
                new RegisterSchemaRequest(subject, type, definition, compatibility, false), false,
                RegisterSchemaResponse::read);
        return new SchemaRegistration(r.subject(), r.type(), r.version(), r.id());
    }

    /** GET_SCHEMA: a version of {@code subject}, {@code 0} for the latest. */
    public SchemaInfo getSchema(String subject, int version) {
        GetSchemaResponse r = call("GET_SCHEMA", GET_SCHEMA, new SchemaVersionRequest(subject, version, false), true,
                GetSchemaResponse::read);
        return new SchemaInfo(r.id(), r.subject(), r.version(), r.type(), r.definition(), r.compatibility());
    }

    /** LIST_SCHEMAS: every live version; a non-empty {@code filter} keeps the subjects bound to that topic. */
    public List<SchemaEntry> listSchemas(String filter) {
        return call("LIST_SCHEMAS", LIST_SCHEMAS, new ListSchemasRequest(filter), true,
                r -> ListSchemasResponse.read(r).schemas().stream()
                        .map(e -> new SchemaEntry(e.subject(), e.type(), e.version())).toList());
    }

    /** VALIDATE_SCHEMA: {@code message} against the latest version of {@code subject}; nothing is stored. */
    public SchemaCheck validateSchema(String subject, byte[] message) {
        ValidateSchemaResponse r = call("VALIDATE_SCHEMA", VALIDATE_SCHEMA,
                new ValidateSchemaRequest(subject, message), true, ValidateSchemaResponse::read);
        return new SchemaCheck(r.valid(), r.errors());
    }

    /** DELETE_SCHEMA: one version of {@code subject}, or {@code 0} for all of them. */
    public void deleteSchema(String subject, int version) {
        call("DELETE_SCHEMA", DELETE_SCHEMA, new SchemaVersionRequest(subject, version, false), false,
                DeleteSchemaResponse::read);
    }

    /**
     * PRODUCE_WITH_SCHEMA (the SDKs' field order): a keyless record checked against the latest version of
     * {@code subject} when the broker enforces schemas; the server picks the partition.
     */
    public RecordMetadata produceWithSchema(String topic, byte[] value, String subject) {
        requireTopic(topic);
        return call("PRODUCE_WITH_SCHEMA", PRODUCE_WITH_SCHEMA, ProduceWithSchemaRequest.of(topic, value, subject),
                false, FlyMqClient::recordMetadata);
    }

    /** GET_LAG of a group on one partition. */
    public GroupLag getLag(String topic, String group, int partition) {
        requireTopic(topic);
        return call("GET_LAG", GET_LAG, new GroupPartitionRequest(topic, group, partition), true, r -> {
            LagResponse l = LagResponse.read(r);
            return new GroupLag(l.current(), l.committed(), l.latest(), l.lag());
        });
    }

    /**
     * SEEK_TO_TIMESTAMP (0x66, our layout; upstream has none): the first offset whose timestamp is at or after
     * {@code timestampMs}, or the partition's next offset when there is none.
     */
    public long seekToTimestamp(String topic, int partition, long timestampMs) {
        requireTopic(topic);
        return call("SEEK_TO_TIMESTAMP", SEEK_TO_TIMESTAMP, new SeekToTimestampRequest(topic, partition, timestampMs),
                true, r -> OffsetResponse.read(r).offset());
    }

    // ------------------------------------------------------------------ cluster

    /** CLUSTER_METADATA for one topic ({@code ""} = all topics). */
    public ClusterMetadata clusterMetadata(String topic) {
        return call("CLUSTER_METADATA", CLUSTER_METADATA, new ClusterMetadataRequest(topic), true, r -> {
            ClusterMetadataResponse m = ClusterMetadataResponse.read(r);
            List<ClusterMetadata.Topic> topics = new ArrayList<>(m.topics().size());
            for (ClusterMetadataResponse.Topic t : m.topics()) {
                List<ClusterMetadata.Partition> parts = new ArrayList<>(t.partitions().size());
                for (ClusterMetadataResponse.Partition p : t.partitions()) {
                    parts.add(new ClusterMetadata.Partition(p.partition(), p.leaderId(), p.leaderAddr(), p.epoch(),
                            p.state(), p.replicas(), p.isr()));
                }
                topics.add(new ClusterMetadata.Topic(t.name(), parts));
            }
            return new ClusterMetadata(m.clusterId(), topics);
        });
    }

    /**
     * CLUSTER_STATUS (0x52, our layout; upstream has none): the answering node, the controller, every node with its
     * Raft progress when the broker reports it, and totals.
     */
    public ClusterStatus clusterStatus() {
        return call("CLUSTER_STATUS", CLUSTER_STATUS, EmptyRequest.INSTANCE, true, r -> {
            ClusterStatusResponse s = ClusterStatusResponse.read(r);
            Map<String, ClusterStatusResponse.NodeProgress> progress = new HashMap<>();
            if (s.progress() != null) { // brokers since membership changes
                for (ClusterStatusResponse.NodeProgress p : s.progress().nodes()) {
                    progress.put(p.nodeId(), p);
                }
            }
            List<ClusterStatus.Node> nodes = new ArrayList<>(s.nodes().size());
            for (ClusterStatusResponse.Node n : s.nodes()) {
                ClusterStatusResponse.NodeProgress p = progress.getOrDefault(n.nodeId(),
                        new ClusterStatusResponse.NodeProgress(n.nodeId(), n.leader() ? "leader" : "follower", -1,
                                -1));
                nodes.add(new ClusterStatus.Node(n.nodeId(), n.clientAddr(), n.clusterAddr(), n.state(), n.leader(),
                        p.role(), p.matchIndex(), p.lag()));
            }
            List<ClusterStatus.LedPartition> led = new ArrayList<>();
            if (s.led() != null) { // brokers since per-partition progress
                for (ClusterStatusResponse.LedPartition p : s.led()) {
                    led.add(new ClusterStatus.LedPartition(p.topic(), p.partition(), p.lastIndex(),
                            p.replicas().stream().map(x -> new ClusterStatus.Replica(x.nodeId(), x.matchIndex(),
                                    x.lag(), x.inSync())).toList()));
                }
            }
            return new ClusterStatus(s.clusterId(), s.nodeId(), s.controllerId(), s.term(), s.ready(), nodes,
                    s.topicCount(), s.partitionCount(), s.progress() == null ? 0 : s.progress().commitIndex(), led);
        });
    }

    /**
     * CLUSTER_MEMBERSHIP join (extension 0xCE): adds the running node {@code nodeId}, reachable for Raft at
     * {@code clusterAddr}, to the cluster; {@code clientAddr} (may be empty) is where clients reach it. Any member
     * accepts it and forwards it to the metadata leader. Answers once the node is a voting member.
     */
    public ClusterMembership clusterJoin(String nodeId, String clusterAddr, String clientAddr) {
        return call("CLUSTER_JOIN", CLUSTER_MEMBERSHIP, MembershipRequest.join(nodeId, clusterAddr, clientAddr),
                false, FlyMqClient::membership);
    }

    /**
     * CLUSTER_MEMBERSHIP leave (extension 0xCE): removes {@code nodeId} from the cluster (from the metadata group and
     * every partition group; the partitions it leads get another leader first).
     */
    public ClusterMembership clusterLeave(String nodeId) {
        return call("CLUSTER_LEAVE", CLUSTER_MEMBERSHIP, MembershipRequest.leave(nodeId), false,
                FlyMqClient::membership);
    }

    /**
     * PARTITION_REASSIGN start (extension 0xC9): moves partition {@code partition} of {@code topic} to the nodes
     * {@code replicas} (preferred leader first). Answers once the move is recorded; it completes in the background
     * ({@link #reassignments()}).
     */
    public void reassignPartition(String topic, int partition, List<String> replicas) {
        requireTopic(topic);
        call("PARTITION_REASSIGN", flymq.protocol.ExtensionOpcodes.PARTITION_REASSIGN,
                flymq.protocol.message.PartitionReassignRequest.start(topic, partition, replicas), false,
                FlyMqClient::ignore);
    }

    /** PARTITION_REASSIGN cancel (extension 0xC9): the partition goes back to the replicas it had before the move. */
    public void cancelReassignment(String topic, int partition) {
        requireTopic(topic);
        call("PARTITION_REASSIGN", flymq.protocol.ExtensionOpcodes.PARTITION_REASSIGN,
                flymq.protocol.message.PartitionReassignRequest.cancel(topic, partition), false, FlyMqClient::ignore);
    }

    /** REASSIGNMENTS (extension 0xCA): the moves in progress, as the answering node knows them. */
    public List<PartitionMove> reassignments() {
        return call("REASSIGNMENTS", flymq.protocol.ExtensionOpcodes.REASSIGNMENTS,
                flymq.protocol.message.EmptyRequest.INSTANCE, true, r -> {
                    List<PartitionMove> all = new ArrayList<>();
                    for (var m : flymq.protocol.message.ReassignmentsResponse.read(r).reassignments()) {
                        all.add(new PartitionMove(m.topic(), m.partition(), m.from(), m.to(), m.cancelling()));
                    }
                    return List.copyOf(all);
                });
    }

    /**
     * REASSIGNMENTS (extension 0xCA), its second list: the moves of a rebalance or drain waiting for a slot
     * ({@code cluster.reassignment_max_concurrent}), in the order they will start; {@code from} is the partition's
     * replica list now.
     */
    public List<PartitionMove> queuedReassignments() {
        return call("REASSIGNMENTS", flymq.protocol.ExtensionOpcodes.REASSIGNMENTS,
                flymq.protocol.message.EmptyRequest.INSTANCE, true, r -> {
                    List<PartitionMove> all = new ArrayList<>();
                    for (var m : flymq.protocol.message.ReassignmentsResponse.read(r).queued()) {
                        all.add(new PartitionMove(m.topic(), m.partition(), m.from(), m.to(), false));
                    }
                    return List.copyOf(all);
                });
    }

    /** CLUSTER_BALANCE plan (extension 0xCB): the rebalance plan, not executed. */
    public List<PartitionMove> rebalancePlan() {
        return balance(flymq.protocol.message.ClusterBalanceRequest.PLAN, "");
    }

    /** CLUSTER_BALANCE rebalance: computes the plan and starts its moves; returns them. */
    public List<PartitionMove> rebalance() {
        return balance(flymq.protocol.message.ClusterBalanceRequest.REBALANCE, "");
    }

    /** CLUSTER_BALANCE drain: moves every replica off {@code nodeId}; returns the moves started. */
    public List<PartitionMove> drain(String nodeId) {
        return balance(flymq.protocol.message.ClusterBalanceRequest.DRAIN, nodeId);
    }

    /** CLUSTER_BALANCE elect-leaders: hands partitions to their in-sync preferred leaders; returns the hand-overs. */
    public List<PartitionMove> electLeaders() {
        return balance(flymq.protocol.message.ClusterBalanceRequest.ELECT_LEADERS, "");
    }

    private List<PartitionMove> balance(int action, String nodeId) {
        return call("CLUSTER_BALANCE", flymq.protocol.ExtensionOpcodes.CLUSTER_BALANCE,
                new flymq.protocol.message.ClusterBalanceRequest(action, nodeId, false), false, r -> {
                    List<PartitionMove> all = new ArrayList<>();
                    for (var m : flymq.protocol.message.ClusterBalanceResponse.read(r).moves()) {
                        all.add(new PartitionMove(m.topic(), m.partition(), m.from(), m.to(), false));
                    }
                    return List.copyOf(all);
                });
    }

    private static ClusterMembership membership(PayloadReader r) {
        List<MembershipResponse.Member> wire = MembershipResponse.read(r).members();
        List<ClusterMembership.Member> members = new ArrayList<>(wire.size());
        for (MembershipResponse.Member m : wire) {
            members.add(new ClusterMembership.Member(m.nodeId(), m.clusterAddr(), m.voting()));
        }
        return new ClusterMembership(members);
    }

    // ------------------------------------------------------------------ auth

    /**
     * AUTH: binds {@code user} to this connection. On success the credentials are kept and sent again after every
     * reconnect (the official SDKs forget to). A refused login throws {@link AuthenticationException}.
     */
    public AuthResult auth(String user, String pass) {
        AuthResponse r = call("AUTH", AUTH, new AuthRequest(user, pass), false, AuthResponse::read);
        if (!r.success()) {
            throw new AuthenticationException("AUTH", r.error().isEmpty() ? "authentication failed for user " + user
                    : r.error());
        }
        this.username = user;
        this.password = pass == null ? "" : pass;
        return new AuthResult(true, r.username(), r.roles(), List.of(), r.error());
    }

    /** WHOAMI: who this connection is logged in as ({@code success == false}: anonymous). */
    public AuthResult whoami() {
        return call("WHOAMI", WHOAMI, EmptyRequest.INSTANCE, true, r -> {
            WhoAmIResponse w = WhoAmIResponse.read(r);
            return new AuthResult(w.authenticated(), w.username(), w.roles(), w.permissions(), "");
        });
    }

    // ------------------------------------------------------------------ users, ACLs, roles, audit (admin)

    /** USER_CREATE 0x73: a new user with these roles (built-in role names), enabled. */
    public UserInfo createUser(String user, String password, List<String> roles) {
        return call("USER_CREATE", USER_CREATE, new UserRequest(user, password, "", roles, true), false,
                UserInfo::read);
    }

    /** USER_UPDATE 0x75: replaces the user's roles (an empty list keeps them) and enables or disables it. */
    public void updateUser(String user, List<String> roles, boolean enabled) {
        call("USER_UPDATE", USER_UPDATE, new UserRequest(user, "", "", roles, enabled), false, NamedResult::read);
    }

    /** USER_DELETE 0x74. */
    public void deleteUser(String user) {
        call("USER_DELETE", USER_DELETE, new NameRequest(user), false, NamedResult::read);
    }

    /** USER_GET 0x77. */
    public UserInfo getUser(String user) {
        return call("USER_GET", USER_GET, new NameRequest(user), true, UserInfo::read);
    }

    /** USER_LIST 0x76, sorted by name. */
    public List<UserInfo> listUsers() {
        return call("USER_LIST", USER_LIST, EmptyRequest.INSTANCE, true, r -> UserListResponse.read(r).users());
    }

    /**
     * PASSWORD_CHANGE 0x7C. Users changing their own password give the current one as {@code oldPassword}; an
     * admin changing another user's passes an empty one.
     */
    public void changePassword(String user, String newPassword, String oldPassword) {
        call("PASSWORD_CHANGE", PASSWORD_CHANGE, new UserRequest(user, newPassword, oldPassword, List.of(), true),
                false, NamedResult::read);
    }

    /** ACL_SET 0x78: replaces the topic's ACL. */
    public void setAcl(String topic, boolean isPublic, List<String> users, List<String> roles) {
        call("ACL_SET", ACL_SET, new AclSetRequest(topic, isPublic, users, roles), false, NamedResult::read);
    }

    /** ACL_GET 0x79 (a topic without an ACL answers {@code exists == false}). */
    public AclInfo getAcl(String topic) {
        return call("ACL_GET", ACL_GET, new NameRequest(topic), true, AclInfo::read);
    }

    /** ACL_DELETE 0x7A: the topic follows {@code auth.default_public} again. */
    public void deleteAcl(String topic) {
        call("ACL_DELETE", ACL_DELETE, new NameRequest(topic), false, NamedResult::read);
    }

    /** ACL_LIST 0x7B. */
    public AclListResponse listAcls() {
        return call("ACL_LIST", ACL_LIST, EmptyRequest.INSTANCE, true, AclListResponse::read);
    }

    /** ROLE_LIST 0x7D: the built-in roles and their permissions. */
    public List<RoleListResponse.Role> listRoles() {
        return call("ROLE_LIST", ROLE_LIST, EmptyRequest.INSTANCE, true, r -> RoleListResponse.read(r).roles());
    }

    /** AUDIT_QUERY 0x80: one page of the node's audit trail. */
    public AuditQueryResponse queryAudit(AuditQueryRequest query) {
        return call("AUDIT_QUERY", AUDIT_QUERY, query, true, AuditQueryResponse::read);
    }

    /** AUDIT_EXPORT 0x81: the matching events as a {@code json} or {@code csv} file's bytes. */
    public byte[] exportAudit(AuditQueryRequest query, String format) {
        return call("AUDIT_EXPORT", AUDIT_EXPORT, new AuditExportRequest(query, format), true,
                r -> AuditExportResponse.read(r).data());
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
