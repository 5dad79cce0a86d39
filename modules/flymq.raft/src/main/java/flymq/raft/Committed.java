package flymq.raft;

/** A command committed by a majority and applied on the proposing member, with its log index and result. */
public record Committed<R>(long commitIndex, R result) {
}
