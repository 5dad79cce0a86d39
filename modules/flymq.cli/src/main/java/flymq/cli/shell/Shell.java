package flymq.cli.shell;

import flymq.cli.FlyMq;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;

/**
 * The interactive loop of `flymq shell`: reads a line on a JLine terminal, runs it as a `flymq` command line
 * (the shell's own global options first, so `--server` given to the shell applies to every command), and
 * prints the exit code when it is not 0. History persists in a file; TAB completes from the command model.
 */
public final class Shell {
    static final String PROMPT = "flymq> ";

    private final Terminal terminal;
    private final Path historyFile;
    private final List<String> globalArgs;

    /**
     * @param terminal    where to read keys and draw
     * @param historyFile where history is kept between sessions (null: in memory only)
     * @param globalArgs  options put before each command, e.g. ["--server", "host:9092"]
     */
    public Shell(Terminal terminal, Path historyFile, List<String> globalArgs) {
        this.terminal = terminal;
        this.historyFile = historyFile;
        this.globalArgs = List.copyOf(globalArgs);
    }

    /** Runs until `exit`, `quit` or end of input (Ctrl-D). Returns the exit code of the last command. */
    public int run() {
        var parser = new DefaultParser();
        parser.setEscapeChars(new char[0]);
        var builder = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("flymq")
                .parser(parser)
                .completer(new CommandCompleter(FlyMq.commandLine().getCommandSpec()));
        if (historyFile != null) {
            builder.variable(LineReader.HISTORY_FILE, historyFile);
        }
        var reader = builder.build();
        var out = terminal.writer();
        out.println("FlyMQ shell " + FlyMq.Version.version() + ": any flymq command without the 'flymq'; "
                + "TAB completes, 'help' lists commands, 'exit' leaves.");
        out.flush();
        int last = 0;
        while (true) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                break;
            }
            var words = reader.getParsedLine() == null ? List.<String>of() : reader.getParsedLine().words();
            words = words.stream().filter(w -> !w.isEmpty()).toList();
            if (words.isEmpty()) {
                continue;
            }
            var first = words.getFirst();
            if (first.equals("exit") || first.equals("quit")) {
                break;
            }
            if (first.equals("shell")) {
                out.println("already in the shell");
                out.flush();
                continue;
            }
            last = execute(words, out);
            if (last != 0) {
                out.println("(exit " + last + ")");
            }
            out.flush();
        }
        try {
            reader.getHistory().save();
        } catch (java.io.IOException e) {
            terminal.writer().println("could not save history to " + historyFile + ": " + e.getMessage());
        }
        return last;
    }

    private int execute(List<String> words, PrintWriter out) {
        var args = new ArrayList<String>(globalArgs);
        args.addAll(words);
        var cmd = FlyMq.commandLine(out, out);
        cmd.setOverwrittenOptionsAllowed(true);
        return cmd.execute(args.toArray(String[]::new));
    }
}
