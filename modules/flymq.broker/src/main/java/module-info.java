/** The FlyMQ broker: wire protocol, topics, partitions, consumer groups. */
module flymq.broker {
    requires flymq.storage;
    requires flymq.raft;
    requires flymq.telemetry;
    requires com.fasterxml.jackson.databind;
    requires java.logging;

    exports flymq.broker;
    exports flymq.broker.client;
    // only for `flymq bench pingpong`, which must wait for input exactly as the client and the broker do
    exports flymq.broker.protocol to flymq.cli;
}
