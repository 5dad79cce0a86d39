/** The FlyMQ broker: wire protocol, topics, partitions, consumer groups. */
module flymq.broker {
    requires flymq.protocol;
    requires flymq.storage;
    requires flymq.raft;
    requires flymq.telemetry;
    requires flymq.admin;
    requires com.fasterxml.jackson.databind;
    requires java.logging;
    // X.509 certificate building only (development CA and certificates); TLS itself is the JDK's
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;

    exports flymq.broker;
    exports flymq.broker.node;
    // server TLS (PEM files, reload) and development certificates: for `flymq security init` and the cluster transport
    exports flymq.broker.tls;
}
