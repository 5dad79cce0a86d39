package flymq.broker.auth;

/**
 * Where a user or ACL change goes once a request has been checked: on a single node straight into the
 * {@link SecurityStore}; in a cluster through the metadata Raft group (to the leader, committed, then applied on
 * every node). Returns once the change is applied locally, so a read that follows on the same node sees it.
 */
@FunctionalInterface
public interface SecurityChanges {
    void submit(SecurityChange change);
}
