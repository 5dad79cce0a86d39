package flymq.cli.shell;

import flymq.cli.FlyMq;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq shell`: an interactive prompt running any flymq command. */
@Command(name = "shell",
        header = "Start an interactive prompt that runs flymq commands.",
        description = {
            "",
            "Type any command without the leading 'flymq' (e.g. @|bold topic list|@). TAB completes commands, "
                    + "options and option values from the same model as the command line; Up/Down and Ctrl-R "
                    + "search the history, which is kept in --history-file. The global options given to the shell "
                    + "(--server, --output, ...) apply to every command typed; a command may override them. "
                    + "'exit', 'quit' or Ctrl-D leave.",
            ""},
        mixinStandardHelpOptions = true)
public final class ShellCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--history-file", paramLabel = "FILE",
            description = "Where to keep the command history (default: ~/.flymq_history).")
    Path historyFile;

    @Override
    public Integer call() throws Exception {
        var g = FlyMq.globals(spec);
        var globals = new ArrayList<String>();
        globals.add("--server=" + g.server());
        globals.add("--metrics-url=" + g.metricsUrl());
        globals.add("--health-url=" + g.healthUrl());
        globals.add("--output=" + g.output().name().toLowerCase(java.util.Locale.ROOT));
        if (g.verbose()) {
            globals.add("--verbose");
        }
        var tls = g.tls();
        if (tls.enabled()) {
            globals.add("--tls");
        }
        if (tls.ca() != null) {
            globals.add("--tls-ca=" + tls.ca());
        }
        if (tls.cert() != null) {
            globals.add("--tls-cert=" + tls.cert());
        }
        if (tls.key() != null) {
            globals.add("--tls-key=" + tls.key());
        }
        if (tls.insecure()) {
            globals.add("--insecure");
        }
        if (g.login().present()) {
            // the password is passed on through the environment or the file, never as an argument
            globals.add("--user=" + g.login().user());
            if (g.login().passwordFile() != null) {
                globals.add("--password-file=" + g.login().passwordFile());
            }
        }
        var history = historyFile != null ? historyFile
                : Path.of(System.getProperty("user.home"), ".flymq_history");
        try (var terminal = TerminalBuilder.builder().name("flymq").system(true).build()) {
            return new Shell(terminal, history, globals).run();
        }
    }
}
