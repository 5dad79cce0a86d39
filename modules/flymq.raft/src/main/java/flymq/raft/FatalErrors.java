package flymq.raft;

/**
 * What a Raft or cluster-transport thread does with a {@link VirtualMachineError} (out of memory, stack overflow,
 * internal error): the process exits at once with {@value #EXIT_STATUS}, the status the JVM itself uses for
 * {@code -XX:+ExitOnOutOfMemoryError}. After such an error the node's threads may have died half-way (a Raft thread
 * that lost a task, a reader that stopped reading); a node that goes on like that holds leaderships it does not
 * serve and answers nothing. Exiting lets its supervisor restart it from its data dir, and its peers elect new
 * leaders meanwhile. Other errors stay with the code that can handle them.
 */
public final class FatalErrors {
    public static final int EXIT_STATUS = 3;

    private FatalErrors() {
    }

    /** Halts the process when {@code t} is a {@link VirtualMachineError}; returns otherwise. */
    public static void haltIfFatal(String where, Throwable t) {
        if (t instanceof VirtualMachineError) {
            try {
                System.err.println("fatal: " + t + " in " + where + "; exiting with status " + EXIT_STATUS);
            } finally {
                Runtime.getRuntime().halt(EXIT_STATUS);
            }
        }
    }

    /** For threads of our own: a fatal error halts the process, anything else is logged as the JDK would. */
    public static final Thread.UncaughtExceptionHandler HANDLER = (thread, t) -> {
        haltIfFatal(thread.getName(), t);
        System.err.print("Exception in thread \"" + thread.getName() + "\" ");
        t.printStackTrace();
    };
}
