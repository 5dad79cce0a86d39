package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;

/**
 * CLUSTER_BALANCE 0xCB request (FlyMQ extension, admin only): {@code u8 action · str16 node_id · [u8 forwarded]},
 * answered with a {@link ClusterBalanceResponse} listing the moves.
 * <ul>
 *   <li>action 1 PLAN: the rebalance plan over the live nodes, computed and not executed ({@code node_id} "");</li>
 *   <li>action 2 REBALANCE: the same plan, started as partition reassignments;</li>
 *   <li>action 3 DRAIN: moves every replica off {@code node_id} (started as reassignments), so the node can leave;</li>
 *   <li>action 4 ELECT_LEADERS: every partition whose preferred replica (the first of its assignment) is in sync
 *   and does not lead gets leadership handed to it; the moves name the old and the new leader.</li>
 * </ul>
 * PLAN, REBALANCE and DRAIN are computed by the metadata leader (a follower forwards them once); ELECT_LEADERS is
 * carried out by every partition leader (the receiving node passes it, forwarded, to each other node).
 */
public record ClusterBalanceRequest(int action, String nodeId, boolean forwarded) implements WireMessage {
    public static final int PLAN = 1;
    public static final int REBALANCE = 2;
    public static final int DRAIN = 3;
    public static final int ELECT_LEADERS = 4;

    public ClusterBalanceRequest {
        nodeId = nodeId == null ? "" : nodeId;
    }

    public ClusterBalanceRequest asForwarded() {
        return new ClusterBalanceRequest(action, nodeId, true);
    }

    public static ClusterBalanceRequest read(PayloadReader in) {
        return new ClusterBalanceRequest(in.u8("action"), in.str16("node_id"), Forwarded.read(in));
    }

    @Override
    public void write(PayloadWriter out) {
        out.u8(action).str16(nodeId);
        Forwarded.write(out, forwarded);
    }

    @Override
    public int sizeHint() {
        return nodeId.length() * 3 + 4;
    }
}
