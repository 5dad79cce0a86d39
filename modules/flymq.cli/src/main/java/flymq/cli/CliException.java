package flymq.cli;

/**
 * A failure a command reports to the user as one line on stderr, with the exit code it maps to.
 * The message says what failed and, where possible, what to try.
 */
public class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The operation failed: exit 1. */
    public static CliException failed(String message) {
        return new CliException(ExitCode.FAILED, message);
    }

    /** Nothing answered at the address: exit 3. */
    public static CliException unreachable(String what, String address, Throwable cause) {
        return new CliException(ExitCode.UNREACHABLE,
                "cannot reach " + what + " at " + address + " (" + describe(cause) + "): is it running? "
                        + "Check --server / --metrics-url / --health-url", cause);
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "no answer";
        }
        var msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }
}
