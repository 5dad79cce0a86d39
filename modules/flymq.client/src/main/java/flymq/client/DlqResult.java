package flymq.client;

/** The answer of REPLAY_DLQ and PURGE_DLQ: whether it happened, and the broker's text saying what or why not. */
public record DlqResult(boolean success, String message) {
}
