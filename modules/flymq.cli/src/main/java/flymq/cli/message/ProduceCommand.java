package flymq.cli.message;

import flymq.broker.client.FlyMqClient;
import flymq.broker.client.RecordMetadata;
import flymq.cli.Brokers;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.Globals;
import flymq.cli.output.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
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
            "Examples:",
            "  flymq produce orders '{\"id\":1}' --key customer-7",
            "  seq 1000 | flymq produce numbers",
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
            description = "A record header (repeatable). The 1.26 PRODUCE request has no headers, so a header "
                    + "needs a broker with the batch-produce extension.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        var g = FlyMq.globals(spec);
        if (partition != null && partition < 0) {
            throw new CliException(ExitCode.USAGE, "--partition must be 0 or more, got " + partition);
        }
        if (!headers.isEmpty()) {
            throw CliException.failed("cannot send headers: the 1.26 PRODUCE request has no header field and "
                    + "this client has no batch-produce extension; leave out --header");
        }
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        int p = partition == null ? -1 : partition;
        try (var client = Brokers.connect(g)) {
            if (value != null) {
                var md = client.produce(topic, p, keyBytes, value.getBytes(StandardCharsets.UTF_8));
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

    private int produceLines(Globals g, FlyMqClient client, int p, byte[] keyBytes)
            throws IOException, InterruptedException {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        var inFlight = new ArrayDeque<CompletableFuture<RecordMetadata>>();
        long count = 0;
        var partitions = new TreeSet<Integer>();
        String line;
        while ((line = in.readLine()) != null) {
            inFlight.add(client.produceAsync(topic, p, keyBytes, line.getBytes(StandardCharsets.UTF_8)));
            if (inFlight.size() >= WINDOW) {
                count += settle(g, inFlight.poll(), partitions, count);
            }
        }
        while (!inFlight.isEmpty()) {
            count += settle(g, inFlight.poll(), partitions, count);
        }
        if (!g.json()) {
            g.out().println("produced " + count + " record" + (count == 1 ? "" : "s") + " to " + topic
                    + (partitions.isEmpty() ? "" : " (partitions " + partitions + ")"));
        }
        g.out().flush();
        return ExitCode.OK;
    }

    private int settle(Globals g, CompletableFuture<RecordMetadata> f, TreeSet<Integer> partitions, long done)
            throws InterruptedException {
        try {
            var md = f.get();
            partitions.add(md.partition());
            if (g.json()) {
                g.out().println(json(md));
            }
            return 1;
        } catch (ExecutionException e) {
            var cause = e.getCause();
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
