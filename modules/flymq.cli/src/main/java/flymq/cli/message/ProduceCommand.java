package flymq.cli.message;

import flymq.client.FlyMqClient;
import flymq.client.FlyMqServerException;
import flymq.client.RetryPolicy;
import flymq.client.FlyMqTransaction;
import flymq.client.Header;
import flymq.client.PartitionAppend;
import flymq.client.PartitionRecords;
import flymq.client.ProducerRecord;
import flymq.client.RecordMetadata;
import flymq.cli.AcksConverter;
import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.DurationConverter;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import flymq.cli.RetryOptions;
import flymq.cli.output.Json;
import flymq.protocol.Acks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq produce`: write records to a topic. */
@Command(name = "produce",
        header = "Write records to a topic.",
        description = {
            "",
            "With VALUE, writes one record and prints where it went (partition and offset). Without VALUE, reads "
                    + "standard input and writes one record per line (the line ending is not part of the value), "
                    + "pipelining the requests; it prints a summary at the end, or with --output json one line per "
                    + "record. Records with a key go to partition FNV-1a(key) mod partitions; keyless records are "
                    + "spread round-robin, unless --partition chooses one.",
            "",
            "With --ttl, each record expires that long after the broker receives it (PRODUCE_WITH_TTL): no read "
                    + "returns it after that. With --delay, the broker keeps each record aside and appends it that "
                    + "long after receiving it (PRODUCE_DELAYED; in a cluster too, where the partition's replicas "
                    + "keep the schedule); it prints the delay id and when the record is due, since its offset is "
                    + "given only at delivery. Durations: 500ms, 30s, 5m, 1h, 2d, 1h30m or ISO-8601.",
            "",
            "With --transactional all records are written in one transaction (BEGIN_TX, BATCH_PRODUCE_TX, "
                    + "COMMIT_TX): read-committed consumers see all of them or, if anything fails, none; --abort "
                    + "writes them and aborts the transaction instead (to test consumers).",
            "",
            "Examples:",
            "  flymq produce orders '{\"id\":1}' --key customer-7",
            "  seq 1000 | flymq produce numbers",
            "  flymq produce reminders 'call back' --delay 30s",
            "  flymq produce quotes 'EUR/USD 1.08' --ttl 1h",
            "  seq 1000 | flymq produce numbers --transactional",
            ""},
        mixinStandardHelpOptions = true)
public final class ProduceCommand implements Callable<Integer> {
    /** Requests in flight at once when reading stdin: enough to hide the round trip, bounded memory. */
    static final int WINDOW = 256;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to write to.")
    String topic;

    @Parameters(index = "1", paramLabel = "VALUE", arity = "0..1",
            description = "The record's value; omit to read one record per line from standard input.")
    String value;

    @Option(names = {"-k", "--key"}, paramLabel = "KEY", description = "The records' key.")
    String key;

    @Option(names = {"-p", "--partition"}, paramLabel = "P",
            description = "Write to this partition instead of choosing by key or round-robin.")
    Integer partition;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE",
            description = "A record header (repeatable); sent with the batch-produce extension, since the 1.26 "
                    + "PRODUCE request has no headers.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = "--acks", paramLabel = "none|leader|all", converter = AcksConverter.class,
            completionCandidates = AcksConverter.Spellings.class,
            description = "When the broker answers: " + Acks.SPELLINGS + ". Sends the records with the "
                    + "batch-produce extension, which carries acks; without it the 1.26 PRODUCE is answered as the "
                    + "broker's performance.acks says.")
    Acks acks;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Each record expires this long after the broker receives it, e.g. 1h.")
    Duration ttl;

    @Option(names = "--delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "The broker appends each record this long after receiving it, e.g. 30s.")
    Duration delay;

    @Option(names = {"-s", "--schema"}, paramLabel = "SUBJECT",
            description = "Send each record with PRODUCE_WITH_SCHEMA, checked against the latest version of SUBJECT "
                    + "when the broker enforces schemas (keyless; not with --key, --partition, --header or --acks).")
    String schema;

    @Option(names = "--transactional",
            description = "Write all records in one transaction, committed at the end (aborted on a failure).")
    boolean transactional;

    @Option(names = "--abort", description = "With --transactional: abort the transaction instead of committing it.")
    boolean abort;

    @Mixin
    RetryOptions retry;

    @Override
    public Integer call() throws IOException, InterruptedException {
        var g = FlyMq.globals(spec);
        retry.validate();
        if (partition != null && partition < 0) {
            throw new CliException(ExitCode.USAGE, "--partition must be 0 or more, got " + partition);
        }
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        int p = partition == null ? -1 : partition;
        if (schema != null && (key != null || partition != null || !headers.isEmpty() || acks != null
                || transactional)) {
            throw new CliException(ExitCode.USAGE, "--schema sends keyless records to a partition the broker "
                    + "chooses: it does not combine with --key, --partition, --header, --acks or --transactional");
        }
        if (abort && !transactional) {
            throw new CliException(ExitCode.USAGE, "--abort needs --transactional");
        }
        if ((ttl != null || delay != null) && (!headers.isEmpty() || acks != null || transactional || schema != null)) {
            throw new CliException(ExitCode.USAGE, "--ttl and --delay cannot be combined with --header, --acks, "
                    + "--transactional or --schema (their requests carry none of them)");
        }
        if (ttl != null && delay != null) {
            throw new CliException(ExitCode.USAGE, "--ttl and --delay cannot be combined (a delayed record gets the "
                    + "broker's ttl.default_ttl from its delivery)");
        }
        if (ttl != null && ttl.toMillis() <= 0) {
            throw new CliException(ExitCode.USAGE, "--ttl must be at least 1ms, got " + ttl);
        }
        if (delay != null && delay.isNegative()) {
            throw new CliException(ExitCode.USAGE, "--delay must not be negative, got " + delay);
        }
        try (var client = Brokers.connect(g)) {
            if (ttl != null || delay != null) {
                return produceTimed(g, client, p, keyBytes);
            }
            if (schema != null) {
                return produceWithSchema(g, client);
            }
            if (!headers.isEmpty() || acks != null || transactional) {
                return produceBatch(g, client, p, keyBytes);
            }
            if (value != null) {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                var md = retry.policy().call(() -> client.produce(topic, p, keyBytes, bytes));
                if (g.json()) {
                    g.out().println(json(md));
                } else {
                    g.out().println("produced to " + md.topic() + " partition " + md.partition() + " offset "
                            + md.offset());
                }
                g.out().flush();
                return ExitCode.OK;
            }
            return produceLines(g, client, p, keyBytes);
        }
    }

    /** PRODUCE_WITH_SCHEMA, one request per record (the value, or each line of standard input). */
    private int produceWithSchema(Globals g, FlyMqClient client) throws IOException {
        if (value != null) {
            var md = client.produceWithSchema(topic, value.getBytes(StandardCharsets.UTF_8), schema);
            if (g.json()) {
                g.out().println(json(md));
            } else {
                g.out().println("produced to " + md.topic() + " partition " + md.partition() + " offset "
                        + md.offset() + " (schema " + schema + ")");
            }
            g.out().flush();
            return ExitCode.OK;
        }
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long count = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            client.produceWithSchema(topic, line.getBytes(StandardCharsets.UTF_8), schema);
            count++;
        }
        g.out().println("produced " + count + " record" + (count == 1 ? "" : "s") + " to " + topic + " (schema "
                + schema + ")");
        g.out().flush();
        return ExitCode.OK;
    }

    /**
     * Records with headers or acks go through the BATCH_PRODUCE extension (the 1.26 PRODUCE has neither), one batch
     * for all lines; headers alone are sent with acks leader. A keyed record's partition is chosen here,
     * FNV-1a-32(key) mod partitions, as the server would.
     */
    private int produceBatch(Globals g, FlyMqClient client, int p, byte[] keyBytes) throws IOException {
        var headerList = new java.util.ArrayList<Header>();
        headers.forEach((k, v) -> headerList.add(new Header(k, v.getBytes(StandardCharsets.UTF_8))));
        var values = new java.util.ArrayList<byte[]>();
        if (value != null) {
            values.add(value.getBytes(StandardCharsets.UTF_8));
        } else {
            var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                values.add(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (values.isEmpty()) {
            g.out().println("produced 0 records to " + topic);
            g.out().flush();
            return ExitCode.OK;
        }
        int target = p;
        if (target < 0 && keyBytes != null && keyBytes.length > 0 && client.listTopics().contains(topic)) {
            int n = client.metadata(topic).partitions().size();
            target = n <= 1 ? 0 : Integer.remainderUnsigned(fnv1a(keyBytes), n);
        }
        var records = new java.util.ArrayList<ProducerRecord>();
        for (var v : values) {
            records.add(new ProducerRecord(topic, target, 0, keyBytes, v, headerList));
        }
        var groups = java.util.List.of(new PartitionRecords(target, records));
        java.util.List<PartitionAppend> answers;
        String outcome = "";
        if (transactional) {
            try (FlyMqTransaction tx = client.beginTransaction()) {
                answers = tx.send(topic, acks == null ? Acks.ALL : acks, groups);
                for (var a : answers) {
                    if (!a.ok()) {
                        throw CliException.failed("the broker refused BATCH_PRODUCE_TX on partition "
                                + a.partition() + ": " + a.error() + "; transaction " + tx.id() + " is aborted");
                    }
                }
                if (abort) {
                    tx.abort();
                } else {
                    tx.commit();
                }
                outcome = " in transaction " + tx.id() + (abort ? " (aborted)" : " (committed)");
            }
        } else {
            answers = sendRetried(client, acks == null ? Acks.LEADER : acks, groups);
            for (var a : answers) {
                if (!a.ok()) {
                    throw CliException.failed("the broker refused BATCH_PRODUCE on partition " + a.partition()
                            + ": " + a.error());
                }
            }
        }
        var a = answers.getFirst();
        if (g.json()) {
            for (int i = 0; i < a.recordCount(); i++) {
                g.out().println(Json.write(Json.object("topic", topic, "partition", a.partition(),
                        "offset", a.baseOffset() + i, "timestamp", null)));
            }
        } else if (value != null) {
            g.out().println("produced to " + topic + " partition " + a.partition() + " offset " + a.baseOffset()
                    + outcome);
        } else {
            g.out().println("produced " + a.recordCount() + " record" + (a.recordCount() == 1 ? "" : "s") + " to "
                    + topic + " (partitions [" + a.partition() + "])" + outcome);
        }
        g.out().flush();
        return ExitCode.OK;
    }

    /**
     * One BATCH_PRODUCE, sent again on transient failures as --retries and its siblings say. With acks all and a
     * known partition it is numbered as an idempotent producer's first batch (a random producer id, sequence 0), so a
     * retry after a lost answer is appended once; otherwise a retry may append it twice.
     */
    private java.util.List<PartitionAppend> sendRetried(FlyMqClient client, Acks ackMode,
                                                        java.util.List<PartitionRecords> groups) {
        boolean numbered = retry.idempotent(ackMode) && groups.stream().allMatch(gr -> gr.partition() >= 0);
        long producerId = numbered ? RetryOptions.newProducerId() : -1;
        int[] sequences = new int[groups.size()];
        return retry.policy().call(() -> {
            var answers = numbered ? client.batchProduce(topic, ackMode, groups, producerId, sequences)
                    : client.batchProduce(topic, ackMode, groups);
            for (var a : answers) {
                if (!a.ok() && RetryPolicy.retriableServerText(a.error())) {
                    throw FlyMqServerException.of("BATCH_PRODUCE", a.error());
                }
            }
            return answers;
        });
    }

    /**
     * A timed produce, sent again when the partition's leadership was moving (a cluster's leader hand-over): the
     * refusal says nothing was scheduled or appended, so a retry cannot duplicate the record.
     */
    private static <T> T whileLeaderMoves(java.util.function.Supplier<T> request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (flymq.client.NotLeaderException e) {
                if (attempt == 20) {
                    throw e;
                }
                try {
                    Thread.sleep(100); // an election or hand-over completes within a few heartbeats
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** --ttl or --delay: one synchronous request per record (the VALUE, or each line of standard input). */
    private int produceTimed(Globals g, FlyMqClient client, int p, byte[] keyBytes) throws IOException {
        long count = 0;
        var partitions = new TreeSet<Integer>();
        var in = value != null ? null : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String v = value != null ? value : in.readLine(); v != null; v = in == null ? null : in.readLine()) {
            byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
            if (delay != null) {
                var s = whileLeaderMoves(() -> client.produceDelayed(topic, p, keyBytes, bytes, delay));
                partitions.add(s.partition());
                if (g.json()) {
                    g.out().println(Json.write(Json.object("topic", s.topic(), "partition", s.partition(),
                            "delay_id", s.delayId(), "deliver_at", s.deliverAtMs())));
                } else if (value != null) {
                    g.out().println("scheduled for " + s.topic() + " partition " + s.partition() + " at "
                            + Instant.ofEpochMilli(s.deliverAtMs()) + " (delay id " + s.delayId() + ")");
                }
            } else {
                var md = whileLeaderMoves(() -> client.produceWithTtl(topic, p, keyBytes, bytes, ttl));
                partitions.add(md.partition());
                if (g.json()) {
                    g.out().println(json(md));
                } else if (value != null) {
                    g.out().println("produced to " + md.topic() + " partition " + md.partition() + " offset "
                            + md.offset() + ", expires at " + Instant.ofEpochMilli(md.timestamp() + ttl.toMillis()));
                }
            }
            count++;
        }
        if (value == null && !g.json()) {
            g.out().println((delay != null ? "scheduled " : "produced ") + count + " record" + (count == 1 ? "" : "s")
                    + " to " + topic + (partitions.isEmpty() ? "" : " (partitions " + partitions + ")"));
        }
        g.out().flush();
        return ExitCode.OK;
    }

    /** FNV-1a-32, the key hash of the wire spec (section 5). */
    static int fnv1a(byte[] key) {
        int h = 0x811C9DC5;
        for (byte b : key) {
            h ^= b & 0xFF;
            h *= 0x01000193;
        }
        return h;
    }

    private int produceLines(Globals g, FlyMqClient client, int p, byte[] keyBytes)
            throws IOException, InterruptedException {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        var inFlight = new ArrayDeque<Sent>();
        long count = 0;
        var partitions = new TreeSet<Integer>();
        RetryPolicy policy = retry.policy();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            inFlight.add(new Sent(bytes, client.produceAsync(topic, p, keyBytes, bytes)));
            if (inFlight.size() >= WINDOW) {
                count += settle(g, client, policy, inFlight.poll(), p, keyBytes, partitions, count);
            }
        }
        while (!inFlight.isEmpty()) {
            count += settle(g, client, policy, inFlight.poll(), p, keyBytes, partitions, count);
        }
        if (!g.json()) {
            g.out().println("produced " + count + " record" + (count == 1 ? "" : "s") + " to " + topic
                    + (partitions.isEmpty() ? "" : " (partitions " + partitions + ")"));
        }
        g.out().flush();
        return ExitCode.OK;
    }

    /** A pipelined PRODUCE: the value, kept to send it again, and the answer. */
    private record Sent(byte[] value, CompletableFuture<RecordMetadata> answer) {
    }

    /**
     * Waits for a pipelined PRODUCE; a transient failure (the connection broke, not leader) sends that record again,
     * synchronously, as the retry options allow. PRODUCE has no sequence: after a lost answer the record may be
     * written twice, and a retried record may land after records sent later.
     */
    private int settle(Globals g, FlyMqClient client, RetryPolicy policy, Sent sent, int p, byte[] keyBytes,
                       TreeSet<Integer> partitions, long done) throws InterruptedException {
        try {
            RecordMetadata md;
            try {
                md = sent.answer().get();
            } catch (ExecutionException e) {
                if (!RetryPolicy.retriable(e.getCause()) || policy.retries() == 0) {
                    throw e;
                }
                md = policy.call(() -> client.produce(topic, p, keyBytes, sent.value()));
            }
            partitions.add(md.partition());
            if (g.json()) {
                g.out().println(json(md));
            }
            return 1;
        } catch (ExecutionException | RuntimeException e) {
            var cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                g.err().println("flymq produce: " + done + " record(s) were written before the failure");
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    private static String json(RecordMetadata md) {
        return Json.write(Json.object("topic", md.topic(), "partition", md.partition(), "offset", md.offset(),
                "timestamp", md.timestamp()));
    }
}
