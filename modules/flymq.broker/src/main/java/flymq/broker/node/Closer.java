package flymq.broker.node;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The resources of a node, closed in the reverse order they were opened: on a failed start-up and on shutdown
 * alike, so both paths release the same things in the same order. Every resource is closed even when an earlier
 * one fails; the first failure is thrown with the later ones suppressed.
 */
final class Closer implements AutoCloseable {
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** Registers {@code resource} to be closed before everything registered earlier. */
    <T extends AutoCloseable> T push(T resource) {
        opened.push(resource);
        return resource;
    }

    /** Closes everything after a failed start-up; close failures are added to {@code cause}, which is returned. */
    <E extends Throwable> E closeAfter(E cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        return cause;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException("close failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
