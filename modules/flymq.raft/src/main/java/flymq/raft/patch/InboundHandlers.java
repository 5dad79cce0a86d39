package flymq.raft.patch;

import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.handler.AppendEntriesFailureResponseHandler;
import io.microraft.impl.handler.AppendEntriesSuccessResponseHandler;
import io.microraft.impl.handler.InstallSnapshotRequestHandler;
import io.microraft.impl.handler.InstallSnapshotResponseHandler;
import io.microraft.impl.handler.PreVoteRequestHandler;
import io.microraft.impl.handler.PreVoteResponseHandler;
import io.microraft.impl.handler.TriggerLeaderElectionHandler;
import io.microraft.impl.handler.VoteRequestHandler;
import io.microraft.impl.handler.VoteResponseHandler;
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

/**
 * Handles an inbound Raft message on the node's Raft thread, now, with the handler MicroRaft 0.7's
 * {@code RaftNode.handle} would queue: so that hibernation can look at the node's state right before and right
 * after a message, in the same task ({@code RaftGroup.onInbound}). AppendEntries requests go through
 * {@link SnapshotBoundaryRepair}. A terminated node ignores messages, as {@code handle} does.
 */
public final class InboundHandlers {

    private InboundHandlers() {
    }

    public static void handleNow(RaftNode raftNode, RaftMessage message) {
        if (!(raftNode instanceof RaftNodeImpl node)) {
            raftNode.handle(message);
            return;
        }
        if (RaftNodeStatus.isTerminal(node.getStatus())) {
            return;
        }
        Runnable handler = switch (message) {
            case AppendEntriesRequest m -> () -> SnapshotBoundaryRepair.handle(node, m);
            case AppendEntriesSuccessResponse m -> new AppendEntriesSuccessResponseHandler(node, m);
            case AppendEntriesFailureResponse m -> new AppendEntriesFailureResponseHandler(node, m);
            case InstallSnapshotRequest m -> new InstallSnapshotRequestHandler(node, m);
            case InstallSnapshotResponse m -> new InstallSnapshotResponseHandler(node, m);
            case VoteRequest m -> new VoteRequestHandler(node, m);
            case VoteResponse m -> new VoteResponseHandler(node, m);
            case PreVoteRequest m -> new PreVoteRequestHandler(node, m);
            case PreVoteResponse m -> new PreVoteResponseHandler(node, m);
            case TriggerLeaderElectionRequest m -> new TriggerLeaderElectionHandler(node, m);
            default -> throw new IllegalArgumentException("not a MicroRaft message: " + message);
        };
        handler.run();
    }
}
