package flymq.raft.codec;

/**
 * The operation a new leader appends at the start of its term so that entries of earlier terms can commit
 * (Raft, section 5.4.2). It never reaches the broker's state machine.
 */
public final class NewTermOperation {

    public static final NewTermOperation INSTANCE = new NewTermOperation();

    private NewTermOperation() {
    }

    @Override
    public String toString() {
        return "NewTermOperation";
    }
}
