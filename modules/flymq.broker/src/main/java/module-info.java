/** The FlyMQ broker: wire protocol, topics, partitions, consumer groups. */
module flymq.broker {
    requires flymq.protocol;
    requires flymq.storage;
    requires flymq.raft;
    requires flymq.telemetry;
    requires flymq.admin;
    requires com.fasterxml.jackson.databind;
    requires java.logging;
    // schema registry formats (flymq.broker.schema): each is loaded only when a schema of its format is parsed
    requires org.apache.avro;
    requires com.networknt.schema;
    requires com.google.protobuf;

    exports flymq.broker;
    exports flymq.broker.node;
    // server TLS (PEM files, reload) and development certificates: for `flymq security init` and the cluster transport
    exports flymq.broker.tls;
}
