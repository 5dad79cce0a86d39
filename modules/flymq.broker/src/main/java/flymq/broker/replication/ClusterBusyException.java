package flymq.broker.replication;

import flymq.protocol.RequestException;
import flymq.raft.MemoryBudget;

/**
 * A request refused because one of the node's cluster memory budgets stayed full for the whole wait
 * ({@code cluster.budget_wait_ms}): the node is taking in more than its followers or the leaders it forwards to
 * can absorb. Nothing of the request was proposed or forwarded, so the producer may retry it as it is. The
 * client sees an ERROR frame whose text starts with {@value #PREFIX} and names the budget, its size and the wait.
 */
public final class ClusterBusyException extends RequestException {
    public static final String PREFIX = "cluster busy: ";

    ClusterBusyException(MemoryBudget budget, long waitedMs, String what) {
        super(PREFIX + what + " refused: " + budget.name() + " (" + budget.capacity() + " bytes) stayed full for "
                + waitedMs + " ms; nothing was written, retry later");
    }
}
