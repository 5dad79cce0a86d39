package flymq.cli;

/** The exit codes of every `flymq` command; scripts rely on them (docs/cli.md). */
public final class ExitCode {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** The operation failed (the broker said no, or a resource is missing), or the broker is unhealthy. */
    public static final int FAILED = 1;
    /** The command line was wrong: unknown command or option, or a bad value. */
    public static final int USAGE = 2;
    /** No broker (or endpoint) answered at the given address. */
    public static final int UNREACHABLE = 3;

    private ExitCode() {
    }
}
