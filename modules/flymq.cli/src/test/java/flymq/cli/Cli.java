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

    public static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int code = FlyMq.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
