package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.Acks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BrokerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsMatchUpstream() {
        BrokerConfig c = BrokerConfig.defaults();
        assertEquals(":9092", c.bindAddr());
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals(":9094", c.observability().metrics().addr());
        assertEquals(":9095", c.observability().health().addr());
        assertEquals(Acks.LEADER, c.performance().acks());
        assertEquals(300_000, c.network().idleTimeoutMs());
        assertTrue(c.autoCreateTopics());
    }

    @Test
    void clusterMutualTlsNeedsCertificateKeyAndCa() {
        assertEquals(BrokerConfig.ClusterTls.OFF, BrokerConfig.defaults().clusterTls());
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(null, Map.of(),
                Map.of("cluster.tls_enabled", "true", "cluster.tls_cert_file", "n1.crt")));
        assertEquals("'cluster.tls_enabled' needs the node's certificate, its key and the cluster CA; missing "
                + "'cluster.tls_key_file', 'cluster.tls_ca_file'", e.getMessage());
        BrokerConfig c = BrokerConfig.load(null, Map.of("FLYMQ_CLUSTER_TLS_ENABLED", "true"),
                Map.of("cluster.tls_cert_file", "n1.crt", "cluster.tls_key_file", "n1.key",
                        "cluster.tls_ca_file", "ca.crt"));
        assertEquals(new BrokerConfig.ClusterTls(true, "n1.crt", "n1.key", "ca.crt"), c.clusterTls());
    }

    @Test
    void flagsBeatEnvironmentBeatFile() throws Exception {
        Path file = dir.resolve("flymq.json");
        Files.writeString(file, """
                {"bind_addr": ":7000", "log_level": "debug", "segment_bytes": 1024,
                 "peers": ["a:9093", "b:9093"],
                 "performance": {"acks": "all", "sync_interval_ms": 0},
                 "observability": {"tracing": {"enabled": true, "sample_rate": 0.5}, "metrics": {"addr": ":1"}}}
                """);
        BrokerConfig c = BrokerConfig.load(file,
                Map.of("FLYMQ_BIND_ADDR", ":8000", "FLYMQ_LOG_LEVEL", "warn", "FLYMQ_UNRELATED", "x"),
                Map.of("bind-addr", ":9000"));
        assertEquals(":9000", c.bindAddr());
        assertEquals("warn", c.logLevel());
        assertEquals(1024, c.segmentBytes());
        assertEquals(List.of("a:9093", "b:9093"), c.peers());
        assertEquals(Acks.ALL, c.performance().acks());
        assertEquals(0, c.performance().syncIntervalMs());
        assertTrue(c.observability().tracing().enabled());
        assertEquals(0.5, c.observability().tracing().sampleRate());
        assertEquals(":1", c.observability().metrics().addr());
    }

    @Test
    void clusterMemoryBudgetsHaveDefaultsAndTheAppendBoundStaysInsideAFrame() {
        BrokerConfig.Cluster c = BrokerConfig.defaults().cluster();
        assertEquals(32L << 20, c.raftLogBytes());
        assertEquals(16L << 20, c.raftInboundBytes());
        assertEquals(1L << 20, c.raftAppendBytes());
        assertEquals(16L << 20, c.transportReadBytes());
        assertEquals(8L << 20, c.transportQueueBytes());
        assertEquals(32L << 20, c.produceInflightBytes());
        assertEquals(16L << 20, c.forwardInflightBytes());
        assertEquals(10_000, c.budgetWaitMs());
        assertEquals(4096, BrokerConfig.load(null, Map.of("FLYMQ_CLUSTER_PRODUCE_INFLIGHT_BYTES", "4096"), Map.of())
                .cluster().produceInflightBytes());
        ConfigException tooLarge = assertThrows(ConfigException.class, () -> BrokerConfig.load(null, Map.of(),
                Map.of("cluster.raft_append_bytes", String.valueOf(BrokerConfig.MAX_RAFT_APPEND_BYTES + 1))));
        assertTrue(tooLarge.getMessage().contains("cluster.raft_append_bytes"), tooLarge.getMessage());
        assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of(), Map.of("cluster.budget_wait_ms", "0")));
    }

    @Test
    void readSpinDefaultsToTwoHundredMicrosecondsAndZeroTurnsItOff() {
        assertEquals(200, BrokerConfig.defaults().network().readSpinMicros());
        assertEquals(0, BrokerConfig.load(null, Map.of("FLYMQ_NETWORK_READ_SPIN_US", "0"), Map.of())
                .network().readSpinMicros());
    }

    @Test
    void readSpinAboveTenMillisecondsIsRefusedWithTheRange() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of(), Map.of("network.read_spin_us", "10001")));
        assertTrue(e.getMessage().contains("network.read_spin_us"), e.getMessage());
        assertTrue(e.getMessage().contains("from 0 to 10000"), e.getMessage());
        assertTrue(e.getMessage().contains("'10001'"), e.getMessage());
    }

    @Test
    void nestedEnvironmentVariableNamesUseUnderscores() {
        BrokerConfig c = BrokerConfig.load(null, Map.of("FLYMQ_OBSERVABILITY_HEALTH_ADDR", "127.0.0.1:1"), Map.of());
        assertEquals("127.0.0.1:1", c.observability().health().addr());
    }

    @Test
    void unknownFileKeyIsReportedWithItsPath() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"observability\": {\"tracing\": {\"enabeld\": true}}}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("observability.tracing.enabeld"), e.getMessage());
    }

    @Test
    void badValueIsReportedWithKeyPathAndSource() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of("FLYMQ_PERFORMANCE_ACKS", "sometimes"), Map.of()));
        assertTrue(e.getMessage().contains("performance.acks"), e.getMessage());
        assertTrue(e.getMessage().contains("FLYMQ_PERFORMANCE_ACKS"), e.getMessage());
        assertTrue(e.getMessage().contains("sometimes"), e.getMessage());
    }

    @Test
    void wrongJsonTypeIsRejected() throws Exception {
        Path file = dir.resolve("t.json");
        Files.writeString(file, "{\"segment_bytes\": \"big\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("segment_bytes"), e.getMessage());
    }

    @Test
    void outOfRangeValuesAreRejected() {
        assertThrows(ConfigException.class, () -> BrokerConfig.load(null, Map.of(), Map.of("bind_addr", ":70000")));
        assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of(), Map.of("observability.tracing.sample_rate", "1.5")));
        assertThrows(ConfigException.class, () -> BrokerConfig.load(null, Map.of(), Map.of("segment_bytes", "0")));
        assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of(), Map.of("segment_bytes", String.valueOf(2L << 30))));
    }

    @Test
    void unknownFlagIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.load(null, Map.of(), Map.of("bind_adr", ":1")));
        assertTrue(e.getMessage().contains("bind_adr"), e.getMessage());
    }

    @Test
    void invalidJsonNamesTheFile() throws Exception {
        Path file = dir.resolve("x.json");
        Files.writeString(file, "{ nope");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"none, NONE", "0, NONE", "leader, LEADER", "1, LEADER", "all, ALL", "-1, ALL", "All, ALL"})
    void acksReadsTheSameSpellingsFromFileEnvironmentAndFlags(String spelling, Acks expected) throws Exception {
        Path file = dir.resolve("acks.json");
        Files.writeString(file, "{\"performance\": {\"acks\": \"" + spelling + "\"}}");
        assertEquals(expected, BrokerConfig.load(file, Map.of(), Map.of()).performance().acks());
        assertEquals(expected, BrokerConfig.load(null, Map.of("FLYMQ_PERFORMANCE_ACKS", spelling), Map.of())
                .performance().acks());
        assertEquals(expected, BrokerConfig.load(null, Map.of(), Map.of("performance.acks", spelling))
                .performance().acks());
    }

    @Test
    void acksInAFileMayBeKafkasNumber() throws Exception {
        Path file = dir.resolve("kafka.json");
        Files.writeString(file, "{\"performance\": {\"acks\": -1}}");
        assertEquals(Acks.ALL, BrokerConfig.load(file, Map.of(), Map.of()).performance().acks());
    }
}
