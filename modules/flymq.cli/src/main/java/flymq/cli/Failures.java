package flymq.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns exceptions into the exit-code contract: one line on stderr ("flymq: what failed: why"), a stack trace
 * only with --verbose, and exit 1 (failed), 2 (usage) or 3 (unreachable).
 */
final class Failures implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        var err = cmd.getErr();
        int code = exitCodeOf(ex);
        err.println("flymq " + qualifiedName(cmd) + ": " + messageOf(ex));
        if (verbose(cmd)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** Maps an exception (or its causes) to an exit code. */
    static int exitCodeOf(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof CliException c) {
                return c.exitCode();
            }
            if (t instanceof ParameterException) {
                return ExitCode.USAGE;
            }
            if (isUnreachable(t) || t instanceof flymq.client.ConnectionException) {
                return ExitCode.UNREACHABLE;
            }
        }
        return ExitCode.FAILED;
    }

    static boolean isUnreachable(Throwable t) {
        return t instanceof ConnectException
                || t instanceof UnknownHostException
                || t instanceof java.net.SocketTimeoutException
                || t instanceof UnresolvedAddressException
                || t instanceof java.net.NoRouteToHostException;
    }

    static String messageOf(Throwable ex) {
        if (ex instanceof CliException) {
            return ex.getMessage();
        }
        if (ex instanceof flymq.client.FlyMqServerException s) {
            return "the broker refused " + s.request() + ": " + s.serverMessage();
        }
        if (ex instanceof flymq.client.ConnectionException) {
            return "lost the connection to the broker (" + ex.getMessage() + "); it may have applied the request";
        }
        Throwable root = ex;
        while ((root instanceof UncheckedIOException || root.getMessage() == null) && root.getCause() != null) {
            root = root.getCause();
        }
        var text = CliException.describe(root);
        if (root instanceof IOException && !(root.getClass() == IOException.class)) {
            text = root.getClass().getSimpleName() + ": " + text;
        }
        return text + (verboseHint(ex) ? " (run with --verbose for details)" : "");
    }

    private static boolean verboseHint(Throwable ex) {
        return !(ex instanceof CliException);
    }

    private static String qualifiedName(CommandLine cmd) {
        var name = cmd.getCommandSpec().qualifiedName(" ");
        return name.startsWith("flymq ") ? name.substring("flymq ".length()) : name;
    }

    private static boolean verbose(CommandLine cmd) {
        try {
            return FlyMq.globals(cmd.getCommandSpec()).verbose();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Usage errors: the one-line reason plus a pointer to --help, exit 2. */
    static final class Usage implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            var cmd = ex.getCommandLine();
            var err = cmd.getErr();
            err.println("flymq: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
                var name = cmd.getCommandSpec().qualifiedName(" ");
                err.println("Try '" + name + " --help' for usage.");
            }
            err.flush();
            return ExitCode.USAGE;
        }
    }
}
