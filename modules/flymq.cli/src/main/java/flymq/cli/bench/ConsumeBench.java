package flymq.cli.bench;

import flymq.client.ConnectionException;
import flymq.client.ConsumerConfig;
import flymq.client.FlyMqClient;
import flymq.client.FlyMqConsumer;
import flymq.client.FlyMqServerException;
import flymq.client.Message;
import flymq.client.SubscribeMode;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `flymq bench consume`: like Kafka's ConsumerPerformance. Reads a topic from the start with the BATCH_FETCH
 * consumer until --records records arrived (or nothing arrives for --timeout). Latency is per fetch round trip.
 */
@Command(name = "consume",
        header = "Consume records from the start of a topic and report throughput.",
        description = {"",
            "Latency figures are per fetch request (one round trip returning many records).",
            "",
            "Example:",
            "  flymq bench consume --topic bench --records 2000000",
            ""},
        mixinStandardHelpOptions = true)
public final class ConsumeBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--topic", defaultValue = "flymq-bench", description = "Topic to read (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--records", defaultValue = "1000000", description = "Records to read (default ${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--warmup-records", defaultValue = "0",
            description = "Records to read first, untimed, before starting over from the beginning for the timed run "
                    + "(default ${DEFAULT-VALUE}): the figures then show a warm JVM, not its JIT compiling the fetch "
                    + "path (and under TLS the cipher).")
    long warmupRecords;

    @Option(names = "--group", defaultValue = "", description = "Consumer group to join and commit to (default none).")
    String group;

    @Option(names = "--fetch-size", defaultValue = "1048576",
            description = "Bytes per partition per fetch (default ${DEFAULT-VALUE}).")
    int fetchSize;

    @Option(names = "--isolation", paramLabel = "LEVEL", defaultValue = "read_committed",
            completionCandidates = flymq.cli.message.ConsumeCommand.IsolationCandidates.class,
            description = "read_committed or read_uncommitted (default ${DEFAULT-VALUE}).")
    String isolation;

    @Option(names = "--timeout", defaultValue = "10s", converter = flymq.cli.DurationConverter.class,
            description = "Stop when no record arrives for this long (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--reporting-interval", defaultValue = "5s", converter = flymq.cli.DurationConverter.class,
            description = "Progress line interval on stderr (default ${DEFAULT-VALUE}).")
    Duration reportingInterval;

    @Override
    public Integer call() {
        Globals g = FlyMq.globals(spec);
        if (records < 1) {
            throw new CliException(ExitCode.USAGE, "--records must be >= 1, got " + records);
        }
        if (warmupRecords < 0) {
            throw new CliException(ExitCode.USAGE, "--warmup-records must be >= 0, got " + warmupRecords);
        }
        if (fetchSize < 1) {
            throw new CliException(ExitCode.USAGE, "--fetch-size must be >= 1, got " + fetchSize);
        }
        String servers = String.join(",", g.servers());
        FlyMqClient client;
        try {
            client = g.clientBuilder().build();
        } catch (ConnectionException e) {
            throw new CliException(ExitCode.UNREACHABLE, "cannot reach a broker at " + servers + ": " + e.getMessage(), e);
        }
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress");
            t.setDaemon(true);
            return t;
        });
        long intervalMs = Math.max(100, reportingInterval.toMillis());
        ConsumerConfig config = new ConsumerConfig(group, SubscribeMode.EARLIEST, false, Duration.ZERO, fetchSize,
                flymq.cli.message.ConsumeCommand.isolation(isolation));
        BenchStats stats;
        try (client; FlyMqConsumer consumer = new FlyMqConsumer(client, config)) {
            consumer.subscribe(topic);
            if (warmupRecords > 0) {
                long warm = read(consumer, warmupRecords, (batch, pollNanos) -> { });
                if (warm < warmupRecords) {
                    g.err().println("no record for " + timeout.toMillis() + " ms during the warm-up; the topic holds "
                            + warm + " records, fewer than --warmup-records " + warmupRecords);
                    return ExitCode.FAILED;
                }
                consumer.seekToBeginning();
            }
            stats = new BenchStats();
            progress.scheduleAtFixedRate(() -> stats.progress(g.err(), "read"), intervalMs, intervalMs,
                    TimeUnit.MILLISECONDS);
            long timed = read(consumer, records, (batch, pollNanos) -> {
                long bytes = 0;
                for (Message m : batch) {
                    bytes += m.value().length;
                }
                stats.latency(pollNanos);
                stats.count(batch.size(), bytes);
            });
            if (timed < records) {
                g.err().println("no record for " + timeout.toMillis() + " ms; stopping after " + timed + " records");
            }
            if (!group.isEmpty()) {
                consumer.commitSync();
            }
            stats.finish();
        } catch (ConnectionException e) {
            throw new CliException(ExitCode.UNREACHABLE, "lost the broker at " + servers + ": " + e.getMessage(), e);
        } catch (FlyMqServerException e) {
            throw new CliException(ExitCode.FAILED, e.getMessage(), e);
        } finally {
            progress.shutdownNow();
        }
        stats.summary(g.out(), g.json(), "read");
        return ExitCode.OK;
    }

    /** A poll's records and how long the poll took. */
    private interface Batches {
        void accept(List<Message> batch, long pollNanos);
    }

    /** Polls until {@code limit} records arrived or none came for --timeout; returns how many arrived. */
    private long read(FlyMqConsumer consumer, long limit, Batches batches) {
        long read = 0;
        long idleSince = System.nanoTime();
        while (read < limit) {
            long t0 = System.nanoTime();
            List<Message> batch = consumer.poll(Duration.ofMillis(100));
            long t1 = System.nanoTime();
            if (batch.isEmpty()) {
                if (t1 - idleSince > timeout.toNanos()) {
                    break;
                }
                continue;
            }
            idleSince = t1;
            read += batch.size();
            batches.accept(batch, t1 - t0);
        }
        return read;
    }
}
