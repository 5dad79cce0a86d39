package flymq.cli.bench;

import picocli.CommandLine.Command;

/** `flymq bench`: load generators modelled on Kafka's producer and consumer performance tools. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        header = "Measure produce and consume throughput and latency against a broker.",
        description = {"", "Modelled on Kafka's kafka-producer-perf-test and kafka-consumer-perf-test: a progress line "
                + "every few seconds on stderr, then a summary (records/s, MB/s, latency percentiles). With "
                + "--output json the summary is one JSON object on stdout.", ""},
        subcommands = {ProduceBench.class, ConsumeBench.class, PingPongBench.class})
public final class BenchCommand {
}
