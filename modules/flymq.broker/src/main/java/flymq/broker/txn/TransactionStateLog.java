package flymq.broker.txn;

import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Where the transaction coordinator keeps its state ({@link TransactionStore}'s keys): string keys with int64 values,
 * changed by puts and removes. A single broker keeps them in a local {@link flymq.storage.OffsetStore} file
 * ({@link #local}); a cluster keeps them in the metadata Raft group, so the coordinator's successor on another node
 * reads the same state. Every change returns once it is as durable as the implementation makes it (in a cluster:
 * committed by a majority and applied here); a change that cannot be made throws, and nothing of it is applied.
 */
public interface TransactionStateLog extends AutoCloseable {
    OptionalLong get(String key);

    /** Every key and its value now (a copy). */
    Map<String, Long> snapshot();

    void put(String key, long value);

    void remove(String key);

    /** The puts and removes as one change (applied in that order). */
    void apply(Map<String, Long> puts, Collection<String> removes);

    @Override
    void close();

    /** The single broker's state file. */
    static TransactionStateLog local(flymq.storage.OffsetStore store) {
        return new TransactionStateLog() {
            @Override
            public OptionalLong get(String key) {
                return store.get(key);
            }

            @Override
            public Map<String, Long> snapshot() {
                return store.snapshot();
            }

            @Override
            public void put(String key, long value) {
                store.put(key, value);
            }

            @Override
            public void remove(String key) {
                store.remove(key);
            }

            @Override
            public void apply(Map<String, Long> puts, Collection<String> removes) {
                store.apply(puts, removes);
            }

            @Override
            public void close() {
                store.close();
            }
        };
    }
}
