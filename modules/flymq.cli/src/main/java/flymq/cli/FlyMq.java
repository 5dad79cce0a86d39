package flymq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `flymq` top-level command; each subcommand is a class of its own. */
@Command(name = "flymq",
        mixinStandardHelpOptions = true,
        versionProvider = FlyMq.Version.class,
        description = "FlyMQ: a fast, observable message broker for one or a few machines.",
        subcommands = {CommandLine.HelpCommand.class})
public final class FlyMq implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, shared by main, the shell and the completion generator. */
    public static CommandLine commandLine() {
        return new CommandLine(new FlyMq());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Reads the version Maven wrote into version.properties at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        static String version() {
            var props = new java.util.Properties();
            try (var in = FlyMq.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            } catch (java.io.IOException e) {
                return "unknown";
            }
            return props.getProperty("version", "unknown");
        }

        @Override
        public String[] getVersion() {
            return new String[] {"flymq " + version()};
        }
    }
}
