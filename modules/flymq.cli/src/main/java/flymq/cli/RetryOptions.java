package flymq.cli;

import flymq.client.ProducerConfig;
import flymq.client.RetryPolicy;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The producer's retry options, shared by {@code flymq produce} and {@code flymq bench produce} (a Picocli mixin):
 * Kafka's {@code retries}, {@code retry.backoff.ms}, {@code delivery.timeout.ms} and {@code enable.idempotence},
 * with the client's defaults ({@link ProducerConfig#defaults()}).
 */
public final class RetryOptions {
    @Option(names = "--retries", paramLabel = "N", defaultValue = "2147483647",
            description = "Times a batch is sent again after a transient failure (not leader, lost connection, "
                    + "timeout, busy cluster), within --delivery-timeout-ms; 0 = never (default: no limit).")
    int retries;

    @Option(names = "--retry-backoff-ms", paramLabel = "MS", defaultValue = "100",
            description = "Wait before a batch is sent again; after overload answers it doubles for each further "
                    + "retry, up to 1 s (default ${DEFAULT-VALUE}).")
    long retryBackoffMs;

    @Option(names = "--delivery-timeout-ms", paramLabel = "MS", defaultValue = "120000",
            description = "How long a record may be retried before it fails (default ${DEFAULT-VALUE}).")
    long deliveryTimeoutMs;

    @Option(names = "--idempotence", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --acks all, number the batches so that a retried batch is appended once "
                    + "(default on; --no-idempotence: a retry after a lost answer may append a batch twice).")
    boolean idempotence;

    /** Refuses values the client would refuse, as a usage error naming the option. */
    public void validate() {
        if (retries < 0) {
            throw new CliException(ExitCode.USAGE, "--retries must be >= 0, got " + retries);
        }
        if (retryBackoffMs < 1) {
            throw new CliException(ExitCode.USAGE, "--retry-backoff-ms must be >= 1, got " + retryBackoffMs);
        }
        if (deliveryTimeoutMs < 1) {
            throw new CliException(ExitCode.USAGE, "--delivery-timeout-ms must be >= 1, got " + deliveryTimeoutMs);
        }
    }

    /** {@code config} with these retry settings. */
    public ProducerConfig applyTo(ProducerConfig config) {
        validate();
        return config.withRetries(retries).withRetryBackoff(Duration.ofMillis(retryBackoffMs))
                .withDeliveryTimeout(Duration.ofMillis(deliveryTimeoutMs)).withIdempotence(idempotence);
    }

    /** The policy for requests sent one at a time (the 1.26 PRODUCE, which carries no sequence). */
    public RetryPolicy policy() {
        validate();
        return new RetryPolicy(retries, Duration.ofMillis(retryBackoffMs), Duration.ofMillis(deliveryTimeoutMs));
    }

    /** Whether batches with these acks are numbered for deduplication. */
    public boolean idempotent(flymq.protocol.Acks acks) {
        return idempotence && acks == flymq.protocol.Acks.ALL;
    }

    /** A random producer id (> 0) for a command that sends its records once and numbers them itself. */
    public static long newProducerId() {
        long id = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
        return id == 0 ? 1 : id;
    }
}
