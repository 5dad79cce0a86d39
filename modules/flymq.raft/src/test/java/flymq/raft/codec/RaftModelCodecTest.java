package flymq.raft.codec;

import flymq.raft.RaftMember;
import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.RaftMessage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftModelCodecTest {

    private final RaftModelCodec codec = new RaftModelCodec();
    private final RaftModelFactory f = codec.factory();
    private final RaftMember a = new RaftMember("a", "10.0.0.1:9093");
    private final RaftMember b = new RaftMember("b", "10.0.0.2:9093");
    private final List<RaftEndpoint> ab = List.of(a, b);

    private byte[] encode(RaftMessage m) {
        RaftModelCodec.Out out = new RaftModelCodec.Out(64);
        codec.writeMessage(out, m);
        return out.toByteArray();
    }

    /** Encode, decode, encode again: the bytes must match, so no field is lost or altered on the way. */
    private RaftMessage roundTrip(RaftMessage m) {
        byte[] bytes = encode(m);
        RaftMessage decoded = codec.readMessage(ByteBuffer.wrap(bytes));
        assertArrayEquals(bytes, encode(decoded), "re-encoding " + m.getClass().getSimpleName());
        assertEquals(m.getClass(), decoded.getClass());
        assertEquals("g", decoded.getGroupId());
        assertEquals(a, decoded.getSender());
        assertEquals(7, decoded.getTerm());
        return decoded;
    }

    private RaftGroupMembersView view() {
        return f.createRaftGroupMembersViewBuilder().setLogIndex(3).setMembers(ab).setVotingMembers(List.of(a)).build();
    }

    private SnapshotChunk chunk() {
        return f.createSnapshotChunkBuilder().setIndex(40).setTerm(6).setOperation(new byte[]{1, 2, 3})
                .setSnapshotChunkIndex(1).setSnapshotChunkCount(2).setGroupMembersView(view()).build();
    }

    @Test
    void everyMessageTypeSurvivesTheRoundTrip() {
        List<LogEntry> entries = List.of(
                f.createLogEntryBuilder().setIndex(11).setTerm(7).setOperation("cmd".getBytes()).build(),
                f.createLogEntryBuilder().setIndex(12).setTerm(7).setOperation(NewTermOperation.INSTANCE).build(),
                f.createLogEntryBuilder().setIndex(13).setTerm(7).setOperation(f.createUpdateRaftGroupMembersOpBuilder()
                        .setMembers(ab).setVotingMembers(ab).setEndpoint(b)
                        .setMode(MembershipChangeMode.ADD_OR_PROMOTE_TO_FOLLOWER).build()).build());
        AppendEntriesRequest append = (AppendEntriesRequest) roundTrip(f.createAppendEntriesRequestBuilder()
                .setGroupId("g").setSender(a).setTerm(7).setPreviousLogTerm(6).setPreviousLogIndex(10).setCommitIndex(9)
                .setLogEntries(entries).setQuerySequenceNumber(5).setFlowControlSequenceNumber(4).build());
        assertArrayEquals("cmd".getBytes(), (byte[]) append.getLogEntries().get(0).getOperation());
        assertSame(NewTermOperation.INSTANCE, append.getLogEntries().get(1).getOperation());

        roundTrip(f.createAppendEntriesSuccessResponseBuilder().setGroupId("g").setSender(a).setTerm(7)
                .setLastLogIndex(12).setQuerySequenceNumber(5).setFlowControlSequenceNumber(4).build());
        roundTrip(f.createAppendEntriesFailureResponseBuilder().setGroupId("g").setSender(a).setTerm(7)
                .setExpectedNextIndex(8).setQuerySequenceNumber(5).setFlowControlSequenceNumber(4).build());
        InstallSnapshotRequest install = (InstallSnapshotRequest) roundTrip(f.createInstallSnapshotRequestBuilder()
                .setGroupId("g").setSender(a).setTerm(7).setSenderLeader(true).setSnapshotTerm(6).setSnapshotIndex(40)
                .setTotalSnapshotChunkCount(2).setSnapshotChunk(chunk()).setSnapshottedMembers(ab)
                .setGroupMembersView(view()).setQuerySequenceNumber(5).setFlowControlSequenceNumber(4).build());
        assertEquals(List.of(a, b), List.copyOf(install.getSnapshotChunk().getGroupMembersView().getMembers()));
        roundTrip(f.createInstallSnapshotRequestBuilder().setGroupId("g").setSender(a).setTerm(7)
                .setSenderLeader(false).setSnapshotTerm(6).setSnapshotIndex(40).setTotalSnapshotChunkCount(2)
                .setSnapshotChunk(null).setSnapshottedMembers(ab).setGroupMembersView(view())
                .setQuerySequenceNumber(5).setFlowControlSequenceNumber(4).build());
        roundTrip(f.createInstallSnapshotResponseBuilder().setGroupId("g").setSender(a).setTerm(7).setSnapshotIndex(40)
                .setRequestedSnapshotChunkIndex(1).setQuerySequenceNumber(5).setFlowControlSequenceNumber(4).build());
        roundTrip(f.createPreVoteRequestBuilder().setGroupId("g").setSender(a).setTerm(7).setLastLogTerm(6)
                .setLastLogIndex(12).build());
        roundTrip(f.createPreVoteResponseBuilder().setGroupId("g").setSender(a).setTerm(7).setGranted(true).build());
        roundTrip(f.createVoteRequestBuilder().setGroupId("g").setSender(a).setTerm(7).setLastLogTerm(6)
                .setLastLogIndex(12).setSticky(true).build());
        roundTrip(f.createVoteResponseBuilder().setGroupId("g").setSender(a).setTerm(7).setGranted(false).build());
        roundTrip(f.createTriggerLeaderElectionRequestBuilder().setGroupId("g").setSender(a).setTerm(7)
                .setLastLogTerm(6).setLastLogIndex(12).build());
    }

    @Test
    void truncatedMessageIsRejectedAsMalformed() {
        byte[] bytes = encode(f.createVoteRequestBuilder().setGroupId("g").setSender(a).setTerm(7).setLastLogTerm(6)
                .setLastLogIndex(12).setSticky(true).build());
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] shorter = Arrays.copyOf(bytes, cut);
            assertThrows(MalformedRaftDataException.class, () -> codec.readMessage(ByteBuffer.wrap(shorter)),
                    "cut at " + cut);
        }
    }

    @Test
    void unknownMessageTypeIsRejectedWithTheTypeNumber() {
        byte[] bytes = encode(f.createPreVoteResponseBuilder().setGroupId("g").setSender(a).setTerm(7)
                .setGranted(true).build());
        bytes[0] = 99;
        MalformedRaftDataException e = assertThrows(MalformedRaftDataException.class,
                () -> codec.readMessage(ByteBuffer.wrap(bytes)));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }

    @Test
    void trailingBytesAfterAMessageAreRejected() {
        byte[] bytes = encode(f.createVoteResponseBuilder().setGroupId("g").setSender(a).setTerm(7).setGranted(true)
                .build());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        assertInstanceOf(MalformedRaftDataException.class,
                assertThrows(RuntimeException.class, () -> codec.readMessage(ByteBuffer.wrap(longer))));
    }

    @Test
    void operationThatIsNotACommandIsRefusedAtEncodeTime() {
        LogEntry odd = f.createLogEntryBuilder().setIndex(1).setTerm(1).setOperation("a string").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.writeLogEntry(new RaftModelCodec.Out(16), odd));
        assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
    }

    @Test
    void hibernationMessagesRoundTripAndAnUnknownKindIsRejected() {
        for (QuiesceMessage.Kind kind : QuiesceMessage.Kind.values()) {
            QuiesceMessage m = new QuiesceMessage("g", a, 7, kind, 42);
            assertEquals(m, roundTrip(m));
        }
        NodeHeartbeat beat = new NodeHeartbeat(b, -5);
        byte[] bytes = encode(beat);
        assertEquals(beat, codec.readMessage(ByteBuffer.wrap(bytes)));
        assertEquals(NodeHeartbeat.GROUP_ID, codec.readMessage(ByteBuffer.wrap(bytes)).getGroupId());

        byte[] quiesce = encode(new QuiesceMessage("g", a, 7, QuiesceMessage.Kind.REQUEST, 42));
        quiesce[quiesce.length - 9] = 9; // the kind byte, before the int64 index
        MalformedRaftDataException e = assertThrows(MalformedRaftDataException.class,
                () -> codec.readMessage(ByteBuffer.wrap(quiesce)));
        assertTrue(e.getMessage().contains("kind 9"), e.getMessage());
    }
}
