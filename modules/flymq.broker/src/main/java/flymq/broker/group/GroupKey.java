package flymq.broker.group;

/** A consumer group as the protocol scopes it: one group id on one topic (wire spec 7.1). */
public record GroupKey(String topic, String group) {
    @Override
    public String toString() {
        return topic + ":" + group;
    }
}
