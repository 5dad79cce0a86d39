package flymq.cli;

import flymq.cli.cluster.ClusterCommand;
import flymq.cli.completion.CompletionCommand;
import flymq.cli.group.GroupCommand;
import flymq.cli.health.HealthCommand;
import flymq.cli.message.ConsumeCommand;
import flymq.cli.message.ProduceCommand;
import flymq.cli.metrics.MetricsCommand;
import flymq.cli.output.OutputFormat;
import flymq.cli.server.ServerCommand;
import flymq.cli.shell.ShellCommand;
import flymq.cli.top.TopCommand;
import flymq.cli.topic.TopicCommand;
import java.io.PrintWriter;
import java.net.URI;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The `flymq` top-level command. It owns the global options (inherited by every subcommand) and the exit-code
 * contract; each subcommand is a class of its own in a package named for its feature.
 *
 * <p>Client commands never touch the broker's server classes: only {@code server start} does, through a class
 * that is loaded when that command runs, so {@code flymq topic list} starts as fast as the JVM allows.
 *
 * <p>The subcommands are added in code, not by the annotation, so that a start builds only what it runs: Picocli
 * reads every command class of the tree reflectively when the tree is built, and for a one-shot command such as
 * {@code flymq topic list} the other ten command groups (about forty classes and their option models) are pure
 * start-up cost. {@link #commandLine(String...)} gives the tree for given arguments; the shell, {@code help},
 * {@code completion} and the generators take the whole tree from {@link #commandLine()}.
 */
@Command(name = "flymq",
        mixinStandardHelpOptions = true,
        versionProvider = FlyMq.Version.class,
        usageHelpAutoWidth = true,
        synopsisSubcommandLabel = "COMMAND",
        header = "FlyMQ: a fast, observable message broker for one or a few machines.",
        description = {
            "",
            "Runs a broker (@|bold flymq server start|@) and administers one over the FlyMQ wire protocol: topics, "
                    + "records, consumer groups, health, metrics and the cluster. Every command reads its target from "
                    + "the global options below, which may be given before or after the command name.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success",
            " 1:the operation failed, or the broker is unhealthy",
            " 2:usage error (unknown command or option, bad value)",
            " 3:the broker could not be reached"},
        footerHeading = "%nEnvironment:%n",
        footer = {"  FLYMQ_SERVER         default for --server (host:port[,host:port...])",
                  "  FLYMQ_TLS            true: as --tls",
                  "  FLYMQ_TLS_CA_FILE    default for --tls-ca",
                  "  FLYMQ_TLS_CERT_FILE  default for --tls-cert",
                  "  FLYMQ_TLS_KEY_FILE   default for --tls-key",
                  "  FLYMQ_TLS_INSECURE   true: as --insecure",
                  "  FLYMQ_USER           default for --user",
                  "  FLYMQ_PASSWORD       the password of --user when --password-file is not given",
                  "",
                  "Run 'flymq help COMMAND' or 'flymq COMMAND --help' for a command's options."})
public final class FlyMq implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--server", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT[,HOST:PORT...]",
            defaultValue = "${env:FLYMQ_SERVER:-localhost:9092}",
            description = "Broker(s) to talk to; the next one is tried when one is down (env FLYMQ_SERVER; "
                    + "default: ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--tls", scope = ScopeType.INHERIT, defaultValue = "${env:FLYMQ_TLS:-false}",
            description = "Connect to brokers over TLS, verifying their certificate against --tls-ca or the JVM's "
                    + "trusted CAs (implied by the other --tls options and --insecure).")
    boolean tls;

    @Option(names = "--tls-ca", scope = ScopeType.INHERIT, paramLabel = "FILE",
            defaultValue = "${env:FLYMQ_TLS_CA_FILE}",
            description = "PEM CA certificate(s) that vouch for the brokers, e.g. DATA_DIR/tls/ca.crt of a broker "
                    + "started with --tls.")
    java.nio.file.Path tlsCa;

    @Option(names = "--tls-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            defaultValue = "${env:FLYMQ_TLS_CERT_FILE}",
            description = "PEM client certificate for brokers that ask for one (mutual TLS); needs --tls-key.")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", scope = ScopeType.INHERIT, paramLabel = "FILE",
            defaultValue = "${env:FLYMQ_TLS_KEY_FILE}",
            description = "PEM private key of --tls-cert (PKCS#8, PKCS#1 RSA or SEC1 EC, not encrypted).")
    java.nio.file.Path tlsKey;

    @Option(names = {"--insecure", "--tls-insecure"}, scope = ScopeType.INHERIT,
            defaultValue = "${env:FLYMQ_TLS_INSECURE:-false}",
            description = "TLS without verifying the broker's certificate: encrypted, but anyone in the middle can "
                    + "read it. For throw-away test set-ups only.")
    boolean insecure;

    @Option(names = "--metrics-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            defaultValue = "http://localhost:9094/metrics",
            description = "Prometheus metrics endpoint, for metrics and top (default: ${DEFAULT-VALUE}).")
    URI metricsUrl;

    @Option(names = "--health-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            defaultValue = "http://localhost:9095",
            description = "Base URL of the health endpoints /live, /ready and /health (default: ${DEFAULT-VALUE}).")
    URI healthUrl;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            defaultValue = "table", completionCandidates = OutputFormat.Candidates.class,
            description = "Output format of read commands: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(names = "--user", scope = ScopeType.INHERIT, paramLabel = "NAME", defaultValue = "${env:FLYMQ_USER:-}",
            description = "Log in as this user (env FLYMQ_USER); the password comes from --password-file, else "
                    + "FLYMQ_PASSWORD, else a prompt that does not echo. Never give a password on the command line.")
    String user;

    @Option(names = "--password-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "File whose first line is the password of --user (keep it mode 0600).")
    String passwordFile;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print stack traces and extra diagnostics on stderr.")
    boolean verbose;

    /** The top-level commands, in help order ({@code help} comes last). */
    static final java.util.List<String> COMMANDS = java.util.List.of("server", "topic", "produce", "consume", "group",
            "health", "bench", "metrics", "shell", "cluster", "top", "console", "security", "user", "acl", "role",
            "audit", "completion", "schema", "dlq");

    /** Commands that work on the whole tree, so they never get a pruned one. */
    private static final java.util.Set<String> NEED_WHOLE_TREE = java.util.Set.of("shell", "completion", "help");

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The command tree with FlyMQ's exit-code mapping, shared by the shell and the generators. */
    public static CommandLine commandLine() {
        var cmd = new CommandLine(new FlyMq());
        COMMANDS.forEach(name -> cmd.addSubcommand(name, newCommand(name)));
        cmd.addSubcommand("help", new CommandLine.HelpCommand());
        return configured(cmd);
    }

    /**
     * The tree needed to run {@code args}: the root and only the top-level command the arguments name. Without a
     * command name, or with one that needs the whole tree or does not exist (so that Picocli's "did you mean"
     * sees every name), the whole tree.
     */
    public static CommandLine commandLine(String... args) {
        var cmd = new CommandLine(new FlyMq());
        var name = commandName(cmd.getCommandSpec(), args);
        if (name == null || NEED_WHOLE_TREE.contains(name) || !COMMANDS.contains(name)) {
            return commandLine();
        }
        cmd.addSubcommand(name, newCommand(name));
        return configured(cmd);
    }

    /** FlyMQ's settings; Picocli applies them to the subcommands present, so they come after the tree is built. */
    private static CommandLine configured(CommandLine cmd) {
        cmd.setExecutionExceptionHandler(new Failures());
        cmd.setParameterExceptionHandler(new Failures.Usage());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        return cmd;
    }

    /** The first word that is neither a global option nor an option's value, or null. */
    static String commandName(CommandSpec root, String... args) {
        for (int i = 0; i < args.length; i++) {
            var a = args[i];
            if (a.equals("--")) {
                return i + 1 < args.length ? args[i + 1] : null;
            }
            if (!a.startsWith("-") || a.length() == 1) {
                return a;
            }
            var option = a.contains("=") ? null : root.findOption(a);
            if (option != null && option.arity().max() > 0 && !option.typeInfo().isBoolean()) {
                i++;
            }
        }
        return null;
    }

    /** A new instance of a top-level command; each class is loaded only when its command is built. */
    private static Object newCommand(String name) {
        return switch (name) {
            case "server" -> new ServerCommand();
            case "topic" -> new TopicCommand();
            case "produce" -> new ProduceCommand();
            case "consume" -> new ConsumeCommand();
            case "group" -> new GroupCommand();
            case "health" -> new HealthCommand();
            case "bench" -> new flymq.cli.bench.BenchCommand();
            case "metrics" -> new MetricsCommand();
            case "shell" -> new ShellCommand();
            case "cluster" -> new ClusterCommand();
            case "top" -> new TopCommand();
            case "console" -> new flymq.cli.console.ConsoleCommand();
            case "security" -> new flymq.cli.security.SecurityCommand();
            case "user" -> new flymq.cli.user.UserCommand();
            case "acl" -> new flymq.cli.acl.AclCommand();
            case "role" -> new flymq.cli.role.RoleCommand();
            case "audit" -> new flymq.cli.audit.AuditCommand();
            case "completion" -> new CompletionCommand();
            case "schema" -> new flymq.cli.schema.SchemaCommand();
            case "dlq" -> new flymq.cli.dlq.DlqCommand();
            default -> throw new IllegalArgumentException("no command " + name);
        };
    }

    /** Like {@link #commandLine()} but writing to the given streams (the shell and tests use this). */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        var cmd = commandLine();
        cmd.setOut(out);
        cmd.setErr(err);
        return cmd;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The global options as one value, looked up by any command through its spec's root. */
    public static Globals globals(CommandSpec anyCommand) {
        var root = (FlyMq) anyCommand.root().userObject();
        return new Globals(root.server, root.metricsUrl, root.healthUrl, root.output, root.verbose,
                anyCommand.commandLine().getOut(), anyCommand.commandLine().getErr(),
                new TlsOptions(root.tls, root.tlsCa, root.tlsCert, root.tlsKey, root.insecure),
                new Globals.Login(root.user, root.passwordFile, System.getenv("FLYMQ_PASSWORD")));
    }

    /** Reads the version Maven wrote into version.properties at build time. */
    public static final class Version implements CommandLine.IVersionProvider {
        public static String version() {
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
