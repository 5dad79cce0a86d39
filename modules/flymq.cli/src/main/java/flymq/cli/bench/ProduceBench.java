package flymq.cli.bench;

import flymq.client.AuthenticationException;
import flymq.client.ConnectionException;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqException;
import flymq.client.FlyMqProducer;
import flymq.client.ProducerConfig;
import flymq.client.ProducerRecord;
import flymq.client.RetryPolicy;
import flymq.cli.AcksConverter;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import flymq.cli.RetryOptions;
import flymq.protocol.Acks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `flymq bench produce`: like Kafka's ProducerPerformance. Latency is measured per record from {@code send} to its
 * acknowledgement (with --single: one PRODUCE round trip).
 */
@Command(name = "produce",
        header = "Produce records as fast as allowed and report throughput and latency.",
        description = {"",
            "By default each producer thread uses the batching producer (BATCH_PRODUCE extension, pipelined). "
                    + "--single sends one FlyMQ 1.26 PRODUCE per record and waits for each answer, as the official "
                    + "SDKs do.",
            "",
            "Example:",
            "  flymq bench produce --topic bench --records 2000000 --record-size 100 --throughput -1 --acks leader",
            ""},
        mixinStandardHelpOptions = true)
public final class ProduceBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--topic", defaultValue = "flymq-bench", description = "Topic (created if absent; default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--records", defaultValue = "1000000", description = "Records to produce in total (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", defaultValue = "100", description = "Value size in bytes (default ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--throughput", defaultValue = "-1",
            description = "Records/s to aim for over all producers; -1 = unthrottled (default ${DEFAULT-VALUE}).")
    double throughput;

    @Option(names = "--acks", paramLabel = "none|leader|all", defaultValue = "leader", converter = AcksConverter.class,
            completionCandidates = AcksConverter.Spellings.class,
            description = "When the broker answers a batch: " + Acks.SPELLINGS + " (default ${DEFAULT-VALUE}).")
    Acks acks;

    @Option(names = "--batch-size", defaultValue = "65536", description = "Batch bytes per partition (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--linger-ms", defaultValue = "5", description = "Batch linger in ms (default ${DEFAULT-VALUE}).")
    long lingerMs;

    @Option(names = "--max-in-flight", defaultValue = "5", description = "Requests in flight per producer (default ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--partitions", defaultValue = "1", description = "Partitions of the topic when it is created (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--producers", defaultValue = "1", description = "Producer threads, one connection each (default ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--single", description = "One 1.26 PRODUCE per record, waiting for each answer.")
    boolean single;

    @Option(names = "--transaction-records", defaultValue = "0",
            description = "Write transactions of this many records (BEGIN_TX, one BATCH_PRODUCE_TX, COMMIT_TX, one "
                    + "after the other per producer); 0 = no transactions (default ${DEFAULT-VALUE}).")
    int transactionRecords;

    @Option(names = "--read-spin-us", defaultValue = "200",
            description = "With --single: how long each call spins for its answer before it blocks; 0 = never "
                    + "(default ${DEFAULT-VALUE}).")
    long readSpinMicros;

    @Option(names = "--value-file", paramLabel = "FILE",
            description = "Send FILE's bytes as every record's value instead of random letters of --record-size "
                    + "(a record that matches a topic's schema, for the schema benchmarks).")
    java.nio.file.Path valueFile;

    @Mixin
    RetryOptions retry;

    @Option(names = "--reporting-interval", defaultValue = "5s", converter = flymq.cli.DurationConverter.class,
            description = "Progress line interval on stderr (default ${DEFAULT-VALUE}).")
    Duration reportingInterval;

    @Override
    public Integer call() throws Exception {
        Globals g = FlyMq.globals(spec);
        validate();
        if (single && acks != Acks.LEADER) {
            throw new CliException(ExitCode.USAGE, "--single uses the 1.26 PRODUCE, which has no acks field: "
                    + "leave --acks at leader");
        }
        String servers = String.join(",", g.servers());
        List<FlyMqClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < producers; i++) {
                clients.add(g.clientBuilder()
                        .readSpin(Duration.ofNanos(readSpinMicros * 1000)).build());
            }
            try {
                clients.get(0).createTopic(topic, partitions);
            } catch (AuthenticationException e) {
                // a producer-only login may not create topics, but may write to one an admin created
                if (!clients.get(0).listTopics().contains(topic)) {
                    clients.forEach(FlyMqClient::close);
                    throw new CliException(ExitCode.FAILED, "cannot create topic " + topic + " as '"
                            + g.login().user() + "' (" + e.serverMessage() + "): create it first as an admin", e);
                }
            }
        } catch (ConnectionException e) {
            clients.forEach(FlyMqClient::close);
            throw new CliException(ExitCode.UNREACHABLE, "cannot reach a broker at " + servers + ": " + e.getMessage(), e);
        }
        byte[] payload;
        try {
            payload = valueFile != null ? java.nio.file.Files.readAllBytes(valueFile) : randomLetters(recordSize);
        } catch (java.io.IOException e) {
            clients.forEach(FlyMqClient::close);
            throw new CliException(ExitCode.USAGE, "cannot read --value-file " + valueFile + ": " + e.getMessage());
        }
        BenchStats stats = new BenchStats();
        stats.reportDelivery();
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress");
            t.setDaemon(true);
            return t;
        });
        long intervalMs = Math.max(100, reportingInterval.toMillis());
        progress.scheduleAtFixedRate(() -> stats.progress(g.err(), "sent"), intervalMs, intervalMs,
                TimeUnit.MILLISECONDS);
        var pool = Executors.newFixedThreadPool(producers);
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < producers; i++) {
                long share = records / producers + (i < records % producers ? 1 : 0);
                double rate = throughput < 0 ? -1 : throughput / producers;
                FlyMqClient client = clients.get(i);
                futures.add(pool.submit(() -> {
                    if (transactionRecords > 0) {
                        runTransactional(client, share, payload, stats);
                    } else if (single) {
                        runSingle(client, share, rate, payload, stats);
                    } else {
                        runBatching(client, share, rate, payload, acks, stats, firstError);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    firstError.compareAndSet(null, e.getCause());
                }
            }
        } finally {
            stats.finish();
            progress.shutdownNow();
            pool.shutdownNow();
            clients.forEach(FlyMqClient::close);
        }
        stats.summary(g.out(), g.json(), "sent");
        Throwable error = firstError.get();
        if (error != null && stats.failedRecords() > 0) {
            throw new CliException(error instanceof ConnectionException ? ExitCode.UNREACHABLE : ExitCode.FAILED,
                    stats.failedRecords() + " record(s) failed; the first: " + error.getMessage(), error);
        }
        if (error != null) {
            if (error instanceof ConnectionException) {
                throw new CliException(ExitCode.UNREACHABLE, "lost the broker during the run: " + error.getMessage(),
                        error);
            }
            throw new CliException(ExitCode.FAILED, "produce failed: " + error.getMessage(), error);
        }
        return ExitCode.OK;
    }

    private void validate() {
        if (records < 1) {
            throw new CliException(ExitCode.USAGE, "--records must be >= 1, got " + records);
        }
        if (recordSize < 0) {
            throw new CliException(ExitCode.USAGE, "--record-size must be >= 0, got " + recordSize);
        }
        if (producers < 1 || producers > 256) {
            throw new CliException(ExitCode.USAGE, "--producers must be 1..256, got " + producers);
        }
        if (partitions < 1) {
            throw new CliException(ExitCode.USAGE, "--partitions must be >= 1, got " + partitions);
        }
        if (throughput == 0 || (throughput < 0 && throughput != -1)) {
            throw new CliException(ExitCode.USAGE, "--throughput must be positive or -1 (unthrottled), got "
                    + throughput);
        }
        if (readSpinMicros < 0 || readSpinMicros > FlyMqClient.MAX_READ_SPIN.toNanos() / 1000) {
            throw new CliException(ExitCode.USAGE, "--read-spin-us must be 0.."
                    + FlyMqClient.MAX_READ_SPIN.toNanos() / 1000 + ", got " + readSpinMicros);
        }
        if (transactionRecords < 0 || (transactionRecords > 0 && (single || throughput != -1))) {
            throw new CliException(ExitCode.USAGE, "--transaction-records must be >= 0, and is not combined with "
                    + "--single or --throughput");
        }
        if (batchSize < 1 || lingerMs < 0 || maxInFlight < 1) {
            throw new CliException(ExitCode.USAGE, "--batch-size and --max-in-flight must be >= 1, --linger-ms >= 0");
        }
        retry.validate();
    }

    /** Sleeps until record {@code i} is due at {@code rate} records/s (Kafka's throttler, without its drift). */
    static void throttle(long startNanos, long i, double rate) {
        if (rate <= 0) {
            return;
        }
        long due = startNanos + (long) (i * 1e9 / rate);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static byte[] randomLetters(int size) {
        byte[] payload = new byte[size];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ('A' + random.nextInt(26));
        }
        return payload;
    }

    /** One 1.26 PRODUCE at a time, each retried as the retry options say (at least once: it has no sequence). */
    private void runSingle(FlyMqClient client, long n, double rate, byte[] payload, BenchStats stats) {
        long start = System.nanoTime();
        RetryPolicy policy = retry.policy();
        for (long i = 0; i < n; i++) {
            throttle(start, i, rate);
            long t0 = System.nanoTime();
            policy.call(() -> client.produce(topic, -1, null, payload));
            stats.record(System.nanoTime() - t0, payload.length);
        }
    }

    /**
     * Transactions of {@code --transaction-records} records, one after the other: each is BEGIN_TX, one
     * BATCH_PRODUCE_TX (the broker picks the partition) and COMMIT_TX; every record's latency is its transaction's.
     */
    private void runTransactional(FlyMqClient client, long n, byte[] payload, BenchStats stats) {
        ProducerRecord record = ProducerRecord.of(topic, payload);
        for (long done = 0; done < n; ) {
            int size = (int) Math.min(transactionRecords, n - done);
            List<ProducerRecord> batch = java.util.Collections.nCopies(size, record);
            long t0 = System.nanoTime();
            try (var tx = client.beginTransaction()) {
                for (var appended : tx.send(topic, acks, List.of(new flymq.client.PartitionRecords(-1, batch)))) {
                    if (!appended.ok()) {
                        throw new CliException(ExitCode.FAILED, "transaction " + tx.id() + " refused on partition "
                                + appended.partition() + ": " + appended.error());
                    }
                }
                tx.commit();
            }
            long latency = System.nanoTime() - t0;
            for (int i = 0; i < size; i++) {
                stats.record(latency, payload.length);
            }
            done += size;
        }
    }

    private void runBatching(FlyMqClient client, long n, double rate, byte[] payload, Acks ackMode, BenchStats stats,
                             AtomicReference<Throwable> firstError) {
        ProducerConfig config = retry.applyTo(ProducerConfig.defaults().withBatchSize(batchSize)
                .withLinger(Duration.ofMillis(lingerMs)).withMaxInFlight(maxInFlight).withAcks(ackMode));
        try (FlyMqProducer producer = new FlyMqProducer(client, config)) {
            long start = System.nanoTime();
            ProducerRecord record = ProducerRecord.of(topic, payload);
            // a record that failed (after its retries) is counted and the run goes on, as Kafka's
            // ProducerPerformance does, so that a failover shows how many records it cost. A callback rather than a
            // future, as Kafka's does: a full buffer of records waiting for their acks then keeps one object each
            // alive instead of a future and its dependent action, which the client's garbage collector copies
            for (long i = 0; i < n; i++) {
                throttle(start, i, rate);
                long t0 = System.nanoTime();
                producer.send(record, (md, err) -> {
                    if (err != null) {
                        firstError.compareAndSet(null, err);
                        stats.failed();
                    } else {
                        stats.record(System.nanoTime() - t0, payload.length);
                    }
                });
            }
            producer.flush();
            stats.retried(producer.retriedBatches());
        } catch (FlyMqException e) {
            firstError.compareAndSet(null, e);
        }
    }
}
