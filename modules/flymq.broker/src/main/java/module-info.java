/** The FlyMQ broker: wire protocol, topics, partitions, consumer groups. */
module flymq.broker {
    requires flymq.storage;
    requires flymq.raft;
    requires flymq.telemetry;
    requires com.fasterxml.jackson.databind;

    exports flymq.broker;
    exports flymq.broker.client;
}
