package flymq.broker.cluster;

import flymq.protocol.message.WireMessage;

/**
 * A request that must run on the leader of {@code topic}/{@code partition} although neither is a field of it as
 * such (the dead-letter queue opcodes name the origin topic; they run where the queue topic's partition is led).
 * {@code request} is what is re-encoded for the leader, or for the local handler.
 */
public record RoutedRequest(String topic, int partition, WireMessage request) {
}
