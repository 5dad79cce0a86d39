package flymq.broker.delay;

/** What the delayed-delivery metrics read, on a single node ({@link DelayedDelivery}) or a cluster node. */
public interface DelayedCounts {
    /** Records scheduled and neither delivered nor cancelled yet. */
    long pending();

    /** Records delivered since this node started. */
    long delivered();

    /** Records cancelled since this node started. */
    long cancelled();

    /** Records that were due but had nowhere to go (topic or partition deleted) since this node started. */
    long dropped();
}
