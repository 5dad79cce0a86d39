package flymq.client;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * When a write that failed is tried again, with Kafka's producer semantics: a failure is retried only if it is
 * transient ({@link #retriable}), at most {@code retries} times, and only while the {@code deliveryTimeout}
 * counted from the first try has not run out. How long it waits depends on why it failed:
 * <ul>
 *   <li>not leader, or the connection broke: {@code retryBackoff} every time. A leader election here takes a few
 *   hundred milliseconds and a retry costs the cluster one small refusal, while doubling waits (100, 200, 400, 800
 *   ms) would put the retry that finds the new leader up to a second after the election.</li>
 *   <li>overload (a full cluster budget, a write not committed in time, an answer that timed out):
 *   {@code retryBackoff × 2^(n-1)} before retry {@code n}, capped at {@link ProducerConfig#MAX_RETRY_BACKOFF} (or at
 *   {@code retryBackoff} when that is longer), so that a struggling cluster is not flooded.</li>
 * </ul>
 * A retry that could not start before the delivery deadline is not made: the last failure is reported instead.
 *
 * <p>Retriable: {@link ConnectionException} (the connection broke or the answer timed out: the write may have been
 * applied, so without idempotence a retry may duplicate it), {@link NotLeaderException} (a leader election is in
 * progress, or the leader moved), and the broker's transient refusals: a full cluster budget ({@code cluster busy:}),
 * a write not committed in time, a Raft proposal that failed with the leadership change. Everything else (unknown
 * partition, schema refusal, authentication, malformed request) fails at once.
 */
public record RetryPolicy(int retries, Duration retryBackoff, Duration deliveryTimeout) {

    public RetryPolicy {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        if (retryBackoff == null || retryBackoff.isNegative() || retryBackoff.isZero()) {
            throw new IllegalArgumentException("retryBackoff must be positive, got " + retryBackoff);
        }
        if (deliveryTimeout == null || deliveryTimeout.isNegative() || deliveryTimeout.isZero()) {
            throw new IllegalArgumentException("deliveryTimeout must be positive, got " + deliveryTimeout);
        }
    }

    /** No retries: the first failure is the answer. */
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofMillis(100), Duration.ofSeconds(120));

    /** The retry settings of a producer configuration. */
    public static RetryPolicy of(ProducerConfig config) {
        return new RetryPolicy(config.retries(), config.retryBackoff(), config.deliveryTimeout());
    }

    /** The wait before retry number {@code attempt} (1 for the first retry). */
    public Duration backoff(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
        long first = retryBackoff.toNanos();
        long cap = Math.max(first, ProducerConfig.MAX_RETRY_BACKOFF.toNanos());
        int doublings = Math.min(attempt - 1, 62);
        long wait = doublings >= Long.numberOfLeadingZeros(first) - 1 ? cap : Math.min(cap, first << doublings);
        return Duration.ofNanos(wait);
    }

    /**
     * The {@link System#nanoTime} at which retry number {@code attempt} may be sent, or -1 when it may not: the
     * failure is not retriable, the retries are used up, or the retry would start past the delivery deadline of a
     * write first tried at {@code firstTryNanos}.
     */
    public long retryAt(Throwable failure, int attempt, long firstTryNanos, long nowNanos) {
        if (attempt > retries || !retriable(failure)) {
            return -1;
        }
        long wait = overload(failure) ? backoff(attempt).toNanos() : retryBackoff.toNanos();
        long at = nowNanos + wait;
        return at - (firstTryNanos + deliveryTimeout.toNanos()) < 0 ? at : -1;
    }

    /** Whether {@code failure} (or the failure it wraps) is transient, so that trying again may succeed. */
    public static boolean retriable(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof ConnectionException || t instanceof NotLeaderException) {
            return true;
        }
        if (t instanceof AuthenticationException || !(t instanceof FlyMqServerException e)) {
            return false;
        }
        return retriableServerText(e.serverMessage());
    }

    /** Whether the broker's error text names a transient condition (see the class comment). */
    public static boolean retriableServerText(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        return s.contains("not leader") || s.startsWith("cluster busy:") || s.contains("not committed by a majority")
                || s.contains("not acknowledged:") || s.contains("batches have been waiting for a majority");
    }

    /** Whether the failure says the cluster is overloaded (as opposed to a leader change or a lost connection). */
    static boolean overload(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof RequestTimeoutException) {
            return true;
        }
        if (!(t instanceof FlyMqServerException e) || t instanceof NotLeaderException) {
            return false;
        }
        String s = e.serverMessage().toLowerCase(Locale.ROOT);
        return s.startsWith("cluster busy:") || s.contains("not committed by a majority")
                || s.contains("batches have been waiting for a majority");
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Runs {@code write} until it succeeds, retrying transient failures as this policy allows (sleeping the backoff
     * in between); rethrows the last failure otherwise. For one-off requests (the CLI's single produce); the
     * {@link FlyMqProducer} schedules its retries on its sender thread instead.
     */
    public <T> T call(Supplier<T> write) {
        long first = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (FlyMqException e) {
                long now = System.nanoTime();
                long at = retryAt(e, attempt, first, now);
                if (at < 0) {
                    throw e;
                }
                try {
                    Thread.sleep(Duration.ofNanos(Math.max(0, at - now)));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
