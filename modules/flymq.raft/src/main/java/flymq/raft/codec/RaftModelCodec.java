package flymq.raft.codec;

import flymq.raft.RaftMember;
import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.groupop.UpdateRaftGroupMembersOp;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.AppendEntriesFailureResponse;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.AppendEntriesSuccessResponse;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.InstallSnapshotResponse;
import io.microraft.model.message.PreVoteRequest;
import io.microraft.model.message.PreVoteResponse;
import io.microraft.model.message.RaftMessage;
import io.microraft.model.message.TriggerLeaderElectionRequest;
import io.microraft.model.message.VoteRequest;
import io.microraft.model.message.VoteResponse;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Binary encoding of every MicroRaft model object FlyMQ sends or stores: the ten Raft messages, log entries,
 * snapshot chunks, member lists and the persisted term/endpoint state.
 *
 * <p>We keep MicroRaft's default model classes ({@link DefaultRaftModelFactory}) and serialise them field by field
 * through their public interfaces; decoding rebuilds them with the same factory's builders. That keeps our format
 * independent of MicroRaft's class layout (no Java serialisation) and lets a new MicroRaft field fail loudly in
 * one place.
 *
 * <p>Format (all integers big-endian, as {@link ByteBuffer} writes them):
 * <pre>
 * string    := int32 byteLength, UTF-8 bytes           (byteLength -1 = null)
 * bytes     := int32 length, raw bytes                  (length -1 = null)
 * member    := string id, string address                (a {@link RaftMember}; id null = absent member)
 * members   := int32 count, member*
 * view      := int64 logIndex, members all, members voting   (RaftGroupMembersView)
 * operation := int8 tag, body
 *              tag 0 null | 1 command: bytes | 2 new-term marker | 3 membership change:
 *              members all, members voting, member endpoint, int8 mode (MembershipChangeMode ordinal)
 * logEntry  := int64 index, int32 term, operation
 * chunk     := int64 index, int32 term, operation, int32 chunkIndex, int32 chunkCount, int8 hasView, [view]
 * message   := int8 type, string groupId, member sender, int32 term, body by type:
 *   1 AppendEntriesRequest         int32 prevLogTerm, int64 prevLogIndex, int64 commitIndex,
 *                                  int32 n, logEntry*n, int64 querySeq, int64 flowControlSeq
 *   2 AppendEntriesSuccessResponse int64 lastLogIndex, int64 querySeq, int64 flowControlSeq
 *   3 AppendEntriesFailureResponse int64 expectedNextIndex, int64 querySeq, int64 flowControlSeq
 *   4 InstallSnapshotRequest       int8 senderLeader, int32 snapshotTerm, int64 snapshotIndex, int32 chunkCount,
 *                                  int8 hasChunk, [chunk], int8 hasMembers, [members snapshotted],
 *                                  int8 hasView, [view], int64 querySeq, int64 flowControlSeq
 *   5 InstallSnapshotResponse      int64 snapshotIndex, int32 requestedChunkIndex, int64 querySeq, int64 flowControlSeq
 *   6 PreVoteRequest               int32 lastLogTerm, int64 lastLogIndex
 *   7 PreVoteResponse              int8 granted
 *   8 VoteRequest                  int32 lastLogTerm, int64 lastLogIndex, int8 sticky
 *   9 VoteResponse                 int8 granted
 *  10 TriggerLeaderElectionRequest int32 lastLogTerm, int64 lastLogIndex
 *  11 QuiesceMessage (ours)        int8 kind (0 request, 1 accept, 2 refuse, 3 wake), int64 commitIndex
 *  12 NodeHeartbeat (ours)         int64 incarnation (group id "~node", term 0)
 * termState     := int32 term, member votedFor
 * endpointState := member local, int8 voting
 * </pre>
 * Any malformed input (unknown tag, truncated buffer, negative length) raises {@link MalformedRaftDataException}
 * naming what was being read, never a half-built object.
 */
public final class RaftModelCodec {

    static final byte OP_NULL = 0;
    static final byte OP_COMMAND = 1;
    static final byte OP_NEW_TERM = 2;
    static final byte OP_MEMBERSHIP = 3;

    static final byte APPEND_REQUEST = 1;
    static final byte APPEND_SUCCESS = 2;
    static final byte APPEND_FAILURE = 3;
    static final byte INSTALL_SNAPSHOT_REQUEST = 4;
    static final byte INSTALL_SNAPSHOT_RESPONSE = 5;
    static final byte PRE_VOTE_REQUEST = 6;
    static final byte PRE_VOTE_RESPONSE = 7;
    static final byte VOTE_REQUEST = 8;
    static final byte VOTE_RESPONSE = 9;
    static final byte TRIGGER_ELECTION = 10;
    static final byte QUIESCE = 11;
    static final byte NODE_HEARTBEAT = 12;

    private static final QuiesceMessage.Kind[] QUIESCE_KINDS = QuiesceMessage.Kind.values();

    private static final MembershipChangeMode[] MODES = MembershipChangeMode.values();

    private final RaftModelFactory factory;

    public RaftModelCodec() {
        this(new DefaultRaftModelFactory());
    }

    public RaftModelCodec(RaftModelFactory factory) {
        this.factory = factory;
    }

    public RaftModelFactory factory() {
        return factory;
    }

    // ---------------------------------------------------------------- messages

    public void writeMessage(Out out, RaftMessage message) {
        switch (message) {
            case AppendEntriesRequest m -> {
                header(out, APPEND_REQUEST, m);
                out.putInt(m.getPreviousLogTerm()).putLong(m.getPreviousLogIndex()).putLong(m.getCommitIndex());
                List<LogEntry> entries = m.getLogEntries();
                out.putInt(entries.size());
                for (LogEntry e : entries) {
                    writeLogEntry(out, e);
                }
                out.putLong(m.getQuerySequenceNumber()).putLong(m.getFlowControlSequenceNumber());
            }
            case AppendEntriesSuccessResponse m -> {
                header(out, APPEND_SUCCESS, m);
                out.putLong(m.getLastLogIndex()).putLong(m.getQuerySequenceNumber())
                        .putLong(m.getFlowControlSequenceNumber());
            }
            case AppendEntriesFailureResponse m -> {
                header(out, APPEND_FAILURE, m);
                out.putLong(m.getExpectedNextIndex()).putLong(m.getQuerySequenceNumber())
                        .putLong(m.getFlowControlSequenceNumber());
            }
            case InstallSnapshotRequest m -> {
                header(out, INSTALL_SNAPSHOT_REQUEST, m);
                out.putBoolean(m.isSenderLeader()).putInt(m.getSnapshotTerm()).putLong(m.getSnapshotIndex())
                        .putInt(m.getTotalSnapshotChunkCount());
                out.putBoolean(m.getSnapshotChunk() != null);
                if (m.getSnapshotChunk() != null) {
                    writeSnapshotChunk(out, m.getSnapshotChunk());
                }
                out.putBoolean(m.getSnapshottedMembers() != null);
                if (m.getSnapshottedMembers() != null) {
                    writeMembers(out, m.getSnapshottedMembers());
                }
                out.putBoolean(m.getGroupMembersView() != null);
                if (m.getGroupMembersView() != null) {
                    writeView(out, m.getGroupMembersView());
                }
                out.putLong(m.getQuerySequenceNumber()).putLong(m.getFlowControlSequenceNumber());
            }
            case InstallSnapshotResponse m -> {
                header(out, INSTALL_SNAPSHOT_RESPONSE, m);
                out.putLong(m.getSnapshotIndex()).putInt(m.getRequestedSnapshotChunkIndex())
                        .putLong(m.getQuerySequenceNumber()).putLong(m.getFlowControlSequenceNumber());
            }
            case PreVoteRequest m -> {
                header(out, PRE_VOTE_REQUEST, m);
                out.putInt(m.getLastLogTerm()).putLong(m.getLastLogIndex());
            }
            case PreVoteResponse m -> {
                header(out, PRE_VOTE_RESPONSE, m);
                out.putBoolean(m.isGranted());
            }
            case VoteRequest m -> {
                header(out, VOTE_REQUEST, m);
                out.putInt(m.getLastLogTerm()).putLong(m.getLastLogIndex()).putBoolean(m.isSticky());
            }
            case VoteResponse m -> {
                header(out, VOTE_RESPONSE, m);
                out.putBoolean(m.isGranted());
            }
            case TriggerLeaderElectionRequest m -> {
                header(out, TRIGGER_ELECTION, m);
                out.putInt(m.getLastLogTerm()).putLong(m.getLastLogIndex());
            }
            case QuiesceMessage m -> {
                header(out, QUIESCE, m);
                out.putByte((byte) m.kind().ordinal()).putLong(m.commitIndex());
            }
            case NodeHeartbeat m -> {
                header(out, NODE_HEARTBEAT, m);
                out.putLong(m.incarnation());
            }
            default -> throw new IllegalArgumentException(
                    "no encoding for Raft message type " + message.getClass().getName());
        }
    }

    private void header(Out out, byte type, RaftMessage m) {
        out.putByte(type);
        out.putString(String.valueOf(m.getGroupId()));
        writeMember(out, m.getSender());
        out.putInt(m.getTerm());
    }

    public RaftMessage readMessage(ByteBuffer in) {
        try {
            byte type = in.get();
            String groupId = getString(in);
            RaftEndpoint sender = readMember(in);
            int term = in.getInt();
            RaftMessage message = switch (type) {
                case APPEND_REQUEST -> {
                    var b = factory.createAppendEntriesRequestBuilder().setGroupId(groupId).setSender(sender)
                            .setTerm(term).setPreviousLogTerm(in.getInt()).setPreviousLogIndex(in.getLong())
                            .setCommitIndex(in.getLong());
                    int n = checkedCount(in.getInt(), "log entry count");
                    List<LogEntry> entries = new ArrayList<>(Math.min(n, 4096));
                    for (int i = 0; i < n; i++) {
                        entries.add(readLogEntry(in));
                    }
                    yield b.setLogEntries(entries).setQuerySequenceNumber(in.getLong())
                            .setFlowControlSequenceNumber(in.getLong()).build();
                }
                case APPEND_SUCCESS -> factory.createAppendEntriesSuccessResponseBuilder().setGroupId(groupId)
                        .setSender(sender).setTerm(term).setLastLogIndex(in.getLong())
                        .setQuerySequenceNumber(in.getLong()).setFlowControlSequenceNumber(in.getLong()).build();
                case APPEND_FAILURE -> factory.createAppendEntriesFailureResponseBuilder().setGroupId(groupId)
                        .setSender(sender).setTerm(term).setExpectedNextIndex(in.getLong())
                        .setQuerySequenceNumber(in.getLong()).setFlowControlSequenceNumber(in.getLong()).build();
                case INSTALL_SNAPSHOT_REQUEST -> {
                    var b = factory.createInstallSnapshotRequestBuilder().setGroupId(groupId).setSender(sender)
                            .setTerm(term).setSenderLeader(getBoolean(in)).setSnapshotTerm(in.getInt())
                            .setSnapshotIndex(in.getLong()).setTotalSnapshotChunkCount(in.getInt());
                    b.setSnapshotChunk(getBoolean(in) ? readSnapshotChunk(in) : null);
                    b.setSnapshottedMembers(getBoolean(in) ? readMembers(in) : null);
                    b.setGroupMembersView(getBoolean(in) ? readView(in) : null);
                    yield b.setQuerySequenceNumber(in.getLong()).setFlowControlSequenceNumber(in.getLong()).build();
                }
                case INSTALL_SNAPSHOT_RESPONSE -> factory.createInstallSnapshotResponseBuilder().setGroupId(groupId)
                        .setSender(sender).setTerm(term).setSnapshotIndex(in.getLong())
                        .setRequestedSnapshotChunkIndex(in.getInt()).setQuerySequenceNumber(in.getLong())
                        .setFlowControlSequenceNumber(in.getLong()).build();
                case PRE_VOTE_REQUEST -> factory.createPreVoteRequestBuilder().setGroupId(groupId).setSender(sender)
                        .setTerm(term).setLastLogTerm(in.getInt()).setLastLogIndex(in.getLong()).build();
                case PRE_VOTE_RESPONSE -> factory.createPreVoteResponseBuilder().setGroupId(groupId)
                        .setSender(sender).setTerm(term).setGranted(getBoolean(in)).build();
                case VOTE_REQUEST -> factory.createVoteRequestBuilder().setGroupId(groupId).setSender(sender)
                        .setTerm(term).setLastLogTerm(in.getInt()).setLastLogIndex(in.getLong())
                        .setSticky(getBoolean(in)).build();
                case VOTE_RESPONSE -> factory.createVoteResponseBuilder().setGroupId(groupId).setSender(sender)
                        .setTerm(term).setGranted(getBoolean(in)).build();
                case TRIGGER_ELECTION -> factory.createTriggerLeaderElectionRequestBuilder().setGroupId(groupId)
                        .setSender(sender).setTerm(term).setLastLogTerm(in.getInt()).setLastLogIndex(in.getLong())
                        .build();
                case QUIESCE -> {
                    byte kind = in.get();
                    if (kind < 0 || kind >= QUIESCE_KINDS.length) {
                        throw new MalformedRaftDataException("unknown quiesce message kind " + kind + " from "
                                + sender + " in group " + groupId);
                    }
                    yield new QuiesceMessage(groupId, member(sender, type), term, QUIESCE_KINDS[kind], in.getLong());
                }
                case NODE_HEARTBEAT -> new NodeHeartbeat(member(sender, type), in.getLong());
                default -> throw new MalformedRaftDataException("unknown Raft message type " + type
                        + " from " + sender + " in group " + groupId);
            };
            requireConsumed(in, "Raft message type " + type);
            return message;
        } catch (BufferUnderflowException e) {
            throw new MalformedRaftDataException("Raft message is truncated", e);
        }
    }

    private static RaftMember member(RaftEndpoint sender, byte type) {
        if (sender instanceof RaftMember m) {
            return m;
        }
        throw new MalformedRaftDataException("Raft message type " + type + " has no sender");
    }

    // ---------------------------------------------------------------- log entries and snapshot chunks

    public void writeLogEntry(Out out, LogEntry entry) {
        out.putLong(entry.getIndex()).putInt(entry.getTerm());
        writeOperation(out, entry.getOperation());
    }

    public LogEntry readLogEntry(ByteBuffer in) {
        try {
            long index = in.getLong();
            int term = in.getInt();
            return factory.createLogEntryBuilder().setIndex(index).setTerm(term).setOperation(readOperation(in))
                    .build();
        } catch (BufferUnderflowException e) {
            throw new MalformedRaftDataException("log entry is truncated", e);
        }
    }

    public void writeSnapshotChunk(Out out, SnapshotChunk chunk) {
        out.putLong(chunk.getIndex()).putInt(chunk.getTerm());
        writeOperation(out, chunk.getOperation());
        out.putInt(chunk.getSnapshotChunkIndex()).putInt(chunk.getSnapshotChunkCount());
        out.putBoolean(chunk.getGroupMembersView() != null);
        if (chunk.getGroupMembersView() != null) {
            writeView(out, chunk.getGroupMembersView());
        }
    }

    public SnapshotChunk readSnapshotChunk(ByteBuffer in) {
        try {
            var b = factory.createSnapshotChunkBuilder().setIndex(in.getLong()).setTerm(in.getInt())
                    .setOperation(readOperation(in)).setSnapshotChunkIndex(in.getInt())
                    .setSnapshotChunkCount(in.getInt());
            if (getBoolean(in)) {
                b.setGroupMembersView(readView(in));
            }
            return b.build();
        } catch (BufferUnderflowException e) {
            throw new MalformedRaftDataException("snapshot chunk is truncated", e);
        }
    }

    void writeOperation(Out out, Object operation) {
        switch (operation) {
            case null -> out.putByte(OP_NULL);
            case byte[] command -> out.putByte(OP_COMMAND).putBytes(command);
            case NewTermOperation ignored -> out.putByte(OP_NEW_TERM);
            case UpdateRaftGroupMembersOp op -> {
                out.putByte(OP_MEMBERSHIP);
                writeMembers(out, op.getMembers());
                writeMembers(out, op.getVotingMembers());
                writeMember(out, op.getEndpoint());
                out.putByte((byte) op.getMode().ordinal());
            }
            default -> throw new IllegalArgumentException("no encoding for Raft log operation of type "
                    + operation.getClass().getName() + " (commands must be byte[])");
        }
    }

    Object readOperation(ByteBuffer in) {
        byte tag = in.get();
        return switch (tag) {
            case OP_NULL -> null;
            case OP_COMMAND -> getBytes(in);
            case OP_NEW_TERM -> NewTermOperation.INSTANCE;
            case OP_MEMBERSHIP -> {
                Collection<RaftEndpoint> members = readMembers(in);
                Collection<RaftEndpoint> voting = readMembers(in);
                RaftEndpoint endpoint = readMember(in);
                int mode = in.get();
                if (mode < 0 || mode >= MODES.length) {
                    throw new MalformedRaftDataException("unknown membership change mode " + mode);
                }
                yield factory.createUpdateRaftGroupMembersOpBuilder().setMembers(members).setVotingMembers(voting)
                        .setEndpoint(endpoint).setMode(MODES[mode]).build();
            }
            default -> throw new MalformedRaftDataException("unknown Raft log operation tag " + tag);
        };
    }

    // ---------------------------------------------------------------- members and persisted state

    public void writeMember(Out out, RaftEndpoint endpoint) {
        if (endpoint == null) {
            out.putString(null);
            return;
        }
        if (!(endpoint instanceof RaftMember member)) {
            throw new IllegalArgumentException("Raft endpoint " + endpoint + " is a "
                    + endpoint.getClass().getName() + ", expected " + RaftMember.class.getName());
        }
        out.putString(member.id()).putString(member.address());
    }

    public RaftMember readMember(ByteBuffer in) {
        String id = getString(in);
        if (id == null) {
            return null;
        }
        String address = getString(in);
        if (address == null) {
            throw new MalformedRaftDataException("Raft member " + id + " has no address");
        }
        try {
            return new RaftMember(id, address);
        } catch (IllegalArgumentException e) {
            throw new MalformedRaftDataException("invalid Raft member " + id + ": " + e.getMessage(), e);
        }
    }

    public void writeMembers(Out out, Collection<RaftEndpoint> members) {
        out.putInt(members.size());
        for (RaftEndpoint m : members) {
            writeMember(out, m);
        }
    }

    public List<RaftEndpoint> readMembers(ByteBuffer in) {
        int n = checkedCount(in.getInt(), "member count");
        List<RaftEndpoint> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RaftMember member = readMember(in);
            if (member == null) {
                throw new MalformedRaftDataException("member list has an absent member at position " + i);
            }
            members.add(member);
        }
        return members;
    }

    public void writeView(Out out, RaftGroupMembersView view) {
        out.putLong(view.getLogIndex());
        writeMembers(out, view.getMembers());
        writeMembers(out, view.getVotingMembers());
    }

    public RaftGroupMembersView readView(ByteBuffer in) {
        long logIndex = in.getLong();
        return factory.createRaftGroupMembersViewBuilder().setLogIndex(logIndex).setMembers(readMembers(in))
                .setVotingMembers(readMembers(in)).build();
    }

    public void writeTermState(Out out, RaftTermPersistentState state) {
        out.putInt(state.getTerm());
        writeMember(out, state.getVotedFor());
    }

    public RaftTermPersistentState readTermState(ByteBuffer in) {
        int term = in.getInt();
        return factory.createRaftTermPersistentStateBuilder().setTerm(term).setVotedFor(readMember(in)).build();
    }

    public void writeEndpointState(Out out, RaftEndpointPersistentState state) {
        writeMember(out, state.getLocalEndpoint());
        out.putBoolean(state.isVoting());
    }

    public RaftEndpointPersistentState readEndpointState(ByteBuffer in) {
        RaftMember local = readMember(in);
        if (local == null) {
            throw new MalformedRaftDataException("persisted local endpoint is absent");
        }
        return factory.createRaftEndpointPersistentStateBuilder().setLocalEndpoint(local).setVoting(getBoolean(in))
                .build();
    }

    // ---------------------------------------------------------------- primitives

    static String getString(ByteBuffer in) {
        byte[] bytes = getBytes(in);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new MalformedRaftDataException("byte field length " + length + " but " + in.remaining()
                    + " bytes remain");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    static boolean getBoolean(ByteBuffer in) {
        byte b = in.get();
        if (b != 0 && b != 1) {
            throw new MalformedRaftDataException("boolean field holds " + b + ", expected 0 or 1");
        }
        return b == 1;
    }

    private static int checkedCount(int n, String what) {
        if (n < 0) {
            throw new MalformedRaftDataException(what + " is negative: " + n);
        }
        return n;
    }

    private static void requireConsumed(ByteBuffer in, String what) {
        if (in.hasRemaining()) {
            throw new MalformedRaftDataException(what + " has " + in.remaining() + " trailing bytes");
        }
    }

    /** A growable big-endian output buffer; cheaper than a DataOutputStream stack for small messages. */
    public static final class Out {
        private byte[] buf;
        private int size;

        public Out(int initialCapacity) {
            buf = new byte[Math.max(16, initialCapacity)];
        }

        private void ensure(int extra) {
            if (size + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
            }
        }

        public Out putByte(byte b) {
            ensure(1);
            buf[size++] = b;
            return this;
        }

        public Out putBoolean(boolean b) {
            return putByte(b ? (byte) 1 : (byte) 0);
        }

        public Out putInt(int v) {
            ensure(4);
            buf[size++] = (byte) (v >>> 24);
            buf[size++] = (byte) (v >>> 16);
            buf[size++] = (byte) (v >>> 8);
            buf[size++] = (byte) v;
            return this;
        }

        public Out putLong(long v) {
            putInt((int) (v >>> 32));
            return putInt((int) v);
        }

        /** Appends the bytes as they are, without a length prefix. */
        public Out putRaw(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, size, bytes.length);
            size += bytes.length;
            return this;
        }

        public Out putBytes(byte[] bytes) {
            if (bytes == null) {
                return putInt(-1);
            }
            putInt(bytes.length);
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, size, bytes.length);
            size += bytes.length;
            return this;
        }

        public Out putString(String s) {
            return putBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }

        /** Overwrites four bytes at {@code position}, for length prefixes written after the body. */
        public void setInt(int position, int v) {
            buf[position] = (byte) (v >>> 24);
            buf[position + 1] = (byte) (v >>> 16);
            buf[position + 2] = (byte) (v >>> 8);
            buf[position + 3] = (byte) v;
        }

        public int size() {
            return size;
        }

        public byte[] array() {
            return buf;
        }

        public byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }

        public void reset() {
            size = 0;
        }

        /** Gives an empty Out {@code other} as its buffer and returns the buffer it had. */
        public byte[] swap(byte[] other) {
            if (size != 0) {
                throw new IllegalStateException("swapping the buffer of an Out holding " + size + " bytes");
            }
            byte[] old = buf;
            buf = other;
            return old;
        }

        /** Empties the buffer and gives back its memory beyond {@code maxRetained} bytes. */
        public void reset(int maxRetained) {
            size = 0;
            if (buf.length > maxRetained) {
                buf = new byte[Math.max(16, maxRetained)];
            }
        }
    }
}
