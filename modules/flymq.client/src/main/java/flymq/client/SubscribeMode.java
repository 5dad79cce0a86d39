package flymq.client;

/** Where SUBSCRIBE positions a consumer that starts reading a partition. */
public enum SubscribeMode {
    /** The first retained offset. */
    EARLIEST("earliest"),
    /** The next offset to be written: only new records. */
    LATEST("latest"),
    /** The group's committed offset, or earliest when nothing is committed. */
    COMMIT("commit");

    private final String wire;

    SubscribeMode(String wire) {
        this.wire = wire;
    }

    /** The mode string sent on the wire. */
    public String wireName() {
        return wire;
    }
}
