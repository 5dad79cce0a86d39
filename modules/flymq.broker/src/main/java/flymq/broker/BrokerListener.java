package flymq.broker;

/**
 * Hot-path hooks the broker calls as it serves requests; the telemetry adapter turns them into metrics and spans.
 * Every method defaults to a no-op and is called on the request thread, so implementations must be cheap and must
 * not throw (an exception is caught and logged, never sent to the client).
 */
public interface BrokerListener {
    BrokerListener NONE = new BrokerListener() {
    };

    default void connectionOpened() {
    }

    default void connectionClosed() {
    }

    /**
     * A connection was closed as soon as it was accepted because a limit was reached; {@code limit} names it
     * ({@code max_connections} or {@code max_connections_per_ip}).
     */
    default void connectionRefused(String limit) {
    }

    /** An AUTH (or admin API login) was refused; {@code reason}: bad_credentials, disabled or throttled. */
    default void loginFailed(String reason) {
    }

    /** A request was refused by the authorization check ({@code operation} is its opcode's name). */
    default void requestDenied(String operation) {
    }

    /** A PRODUCE was appended and acknowledged. */
    default void produced(String topic, int partition, int records, long bytes, long latencyNanos) {
    }

    /** Records were returned by FETCH/CONSUME; {@code group} is {@code ""} when the request names none. */
    default void consumed(String topic, int partition, String group, int records, long bytes, long latencyNanos) {
    }

    default void committed(String group, String topic, int partition, long offset) {
    }

    default void memberJoined(String group, String topic) {
    }

    default void memberLeft(String group, String topic) {
    }

    default void topicDeleted(String topic) {
    }

    default void groupDeleted(String group, String topic) {
    }

    /**
     * A produced record broke the schema enforced on its topic ({@code subject}); {@code mode} is {@code strict}
     * (refused) or {@code warn} (stored anyway).
     */
    default void schemaRejected(String topic, String subject, String mode) {
    }

    /**
     * A record of {@code topic} was dead-lettered into its queue (docs/dlq.md); {@code reason} is
     * {@code max_retries} (a consumer group failed it once more than {@code dlq.max_retries} allows) or
     * {@code schema} (it broke its topic's schema in {@code warn} mode).
     */
    default void deadLettered(String topic, String reason) {
    }

    /** A dead letter of {@code topic}'s queue was replayed into {@code topic}. */
    default void dlqReplayed(String topic) {
    }

    /** BEGIN_TX opened a transaction. */
    default void transactionBegun() {
    }

    /**
     * A transaction ended: {@code outcome} is {@code committed}, {@code aborted} or {@code timed_out}, after
     * {@code durationMs} since it began.
     */
    default void transactionEnded(String outcome, long durationMs) {
    }
}
