package flymq.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.topic.TopicSettings;
import flymq.storage.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code applied.index} is not written by CREATE_TOPIC (it cost a third of the metadata group's syncs per created
 * topic): a restart that replays creates above the file's index, or restores a snapshot taken after them, must
 * neither lose a topic's records nor re-create it empty.
 */
class MetadataAppliedIndexTest {
    @TempDir
    Path dir;

    private static byte[] create(String name) {
        return new MetadataCommand.CreateTopic(name, TopicSettings.ofPartitions(1), 1L,
                Collections.nCopies(1, List.of("n1"))).encode();
    }

    private static long appliedIndexFile(Path d) throws IOException {
        Path f = d.resolve("applied.index");
        return Files.exists(f) ? ByteBuffer.wrap(Files.readAllBytes(f)).getLong() : 0;
    }

    private static void produce(MetadataNode n, String topic, String value) {
        n.topics().topic(topic).log(0).append(List.of(Record.of(System.currentTimeMillis(), value.getBytes())));
    }

    @Test
    void createsDoNotWriteTheFileAndTheirReplayKeepsTheRecords() throws IOException {
        Path d = dir.resolve("a");
        try (MetadataNode n = MetadataNode.open(d)) {
            n.machine().apply(1, create("kept"));
            n.machine().apply(2, create("other"));
            produce(n, "kept", "v1");
            assertEquals(0, appliedIndexFile(d), "no create writes applied.index");
        }
        try (MetadataNode again = MetadataNode.open(d)) {
            again.machine().apply(1, create("kept")); // the replay after a restart
            again.machine().apply(2, create("other"));
            assertEquals(1, again.topics().topic("kept").log(0).endOffset(), "the replayed create kept the record");
            assertTrue(again.machine().assignment("other").isPresent());
        }
    }

    @Test
    void aDeleteAfterCreatesWritesTheFileSoAReplayedDeleteSparesTheRecreatedTopic() throws IOException {
        Path d = dir.resolve("b");
        try (MetadataNode n = MetadataNode.open(d)) {
            n.machine().apply(1, create("t"));
            n.machine().apply(2, new MetadataCommand.DeleteTopic("t").encode());
            n.machine().apply(3, create("t"));
            produce(n, "t", "second incarnation");
            assertEquals(2, appliedIndexFile(d), "the delete wrote the file; the create after it did not");
        }
        try (MetadataNode again = MetadataNode.open(d)) {
            again.machine().apply(1, create("t"));
            again.machine().apply(2, new MetadataCommand.DeleteTopic("t").encode());
            again.machine().apply(3, create("t"));
            assertEquals(1, again.topics().topic("t").log(0).endOffset(), "the live incarnation kept its record");
        }
    }

    @Test
    void aSnapshotWritesTheFileSoRestoringItDeletesNoTopicCreatedBeforeIt() throws IOException {
        Path d = dir.resolve("c");
        List<byte[]> chunks = new ArrayList<>();
        try (MetadataNode n = MetadataNode.open(d)) {
            n.machine().apply(1, create("early"));
            n.machine().apply(2, create("late"));
            produce(n, "late", "v");
            n.machine().takeSnapshot(2, chunks::add);
            assertEquals(2, appliedIndexFile(d), "a snapshot covers the creates before it");
            n.machine().apply(3, create("after"));
            produce(n, "after", "w");
        }
        try (MetadataNode again = MetadataNode.open(d)) {
            again.machine().installSnapshot(2, chunks); // what a restart restores, then the log above it replays
            again.machine().apply(3, create("after"));
            assertEquals(1, again.topics().topic("late").log(0).endOffset());
            assertEquals(1, again.topics().topic("after").log(0).endOffset(),
                    "a topic created above the snapshot is not taken for one the snapshot deleted");
            assertFalse(again.topics().find("missing").isPresent());
        }
    }
}
