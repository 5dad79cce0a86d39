package flymq.broker.group;

import flymq.broker.server.Session;

/**
 * The consumer group a read is accounted to. FETCH, CONSUME and BATCH_FETCH name no group on the wire (wire spec
 * 4.2, 4.6; ExtensionOpcodes); a consumer joins its group with SUBSCRIBE on the same connection, so the group is
 * the one the connection subscribed to for that topic. A connection that never subscribed with a group is
 * accounted to {@code ""} (the {@code group=""} label). Two groups on one topic over one connection (rare): the
 * first in name order, so the label is stable.
 */
public final class SubscribedGroup {
    private SubscribedGroup() {
    }

    public static String of(Session session, String topic) {
        String found = "";
        for (Object m : session.memberships()) {
            if (m instanceof GroupKey k && k.topic().equals(topic)
                    && (found.isEmpty() || k.group().compareTo(found) < 0)) {
                found = k.group();
            }
        }
        return found;
    }
}
