package flymq.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the flymq command line in-process and captures what it prints. */
public final class Cli {
    private Cli() {
    }

    /** Exit code, stdout and stderr of one invocation. */
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs like {@code bin/flymq} does: with the command tree {@link FlyMq#commandLine(String...)} builds. */
    public static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var cmd = FlyMq.commandLine(args);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
