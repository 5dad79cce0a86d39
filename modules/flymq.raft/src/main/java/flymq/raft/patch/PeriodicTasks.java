package flymq.raft.patch;

import io.microraft.impl.task.HeartbeatTask;
import io.microraft.impl.task.RaftStateSummaryPublishTask;

/**
 * Recognises the periodic tasks a MicroRaft 0.7 node schedules on its executor, so that a hibernating member can
 * park them ({@code RaftTimebase}): the heartbeat task (a leader's AppendEntries broadcast and quorum check, a
 * follower's leader-timeout check, every heartbeat period), the report task (every report period) and our
 * {@link StalePreVoteRepair}. Each reschedules itself at the end of its run, so a parked one stays parked until the
 * member wakes. A MicroRaft upgrade that renames them makes hibernation park nothing (members stay awake and cost
 * what they did before), never skip a one-shot task such as an election timeout.
 */
public final class PeriodicTasks {

    private PeriodicTasks() {
    }

    public static boolean isPeriodic(Runnable task) {
        return task instanceof HeartbeatTask || task instanceof RaftStateSummaryPublishTask
                || task instanceof StalePreVoteRepair;
    }
}
