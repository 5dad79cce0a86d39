package flymq.cli;

import flymq.cli.output.OutputFormat;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The global options of one invocation plus its stdout/stderr writers.
 *
 * @param server     comma-separated host:port list (--server / FLYMQ_SERVER)
 * @param metricsUrl the Prometheus endpoint
 * @param healthUrl  base URL of the health endpoints
 * @param output     table or json
 * @param verbose    stack traces and diagnostics on stderr
 * @param out        where results go (stdout)
 * @param err        where diagnostics go (stderr)
 * @param tls        how client connections use TLS (--tls and its siblings)
 * @param login      who client connections log in as (--user, --password-file)
 */
public record Globals(String server, URI metricsUrl, URI healthUrl, OutputFormat output, boolean verbose,
                      PrintWriter out, PrintWriter err, TlsOptions tls, Login login) {

    /** Without TLS options (plain TCP) and without a login. */
    public Globals(String server, URI metricsUrl, URI healthUrl, OutputFormat output, boolean verbose,
                   PrintWriter out, PrintWriter err) {
        this(server, metricsUrl, healthUrl, output, verbose, out, err, TlsOptions.OFF, Login.NONE);
    }

    /** A client builder for the --server list with the TLS options and the login applied. */
    public flymq.client.FlyMqClient.Builder clientBuilder() {
        return clientBuilder(String.join(",", servers()));
    }

    /** A client builder for {@code servers} (e.g. a leader's address) with the TLS options and the login applied. */
    public flymq.client.FlyMqClient.Builder clientBuilder(String servers) {
        var b = tls.applyTo(flymq.client.FlyMqClient.builder().bootstrap(servers));
        if (login.present()) {
            b.credentials(login.user(), login.password());
        }
        return b;
    }

    /** The --server list split into host:port entries, validated. */
    public List<String> servers() {
        var list = new ArrayList<String>();
        for (var part : server.split(",")) {
            var s = part.strip();
            if (s.isEmpty()) {
                continue;
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new CliException(ExitCode.USAGE,
                        "bad --server entry '" + s + "': expected host:port, e.g. localhost:9092");
            }
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE,
                        "bad --server entry '" + s + "': the port must be a number from 1 to 65535");
            }
            list.add(s);
        }
        if (list.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "--server is empty: give host:port, e.g. localhost:9092");
        }
        return List.copyOf(list);
    }

    public boolean json() {
        return output == OutputFormat.JSON;
    }

    /**
     * The --user login. The password is looked up once, when the first connection needs it: the first line of
     * --password-file, else FLYMQ_PASSWORD, else a prompt on the terminal that does not echo. It is never taken from
     * the command line, where {@code ps} would show it, and {@link #toString()} leaves it out.
     */
    public static final class Login {
        public static final Login NONE = new Login("", null, null);

        private final String user;
        private final String passwordFile;
        private final String passwordEnv;
        private String password;

        public Login(String user, String passwordFile, String passwordEnv) {
            this.user = user == null ? "" : user;
            this.passwordFile = passwordFile;
            this.passwordEnv = passwordEnv;
        }

        public String user() {
            return user;
        }

        public boolean present() {
            return !user.isEmpty();
        }

        /** The --password-file given, or null. */
        public String passwordFile() {
            return passwordFile;
        }

        public synchronized String password() {
            if (password == null) {
                password = resolve();
            }
            return password;
        }

        private String resolve() {
            if (passwordFile != null && !passwordFile.isEmpty()) {
                try {
                    String first = Files.readString(Path.of(passwordFile)).lines().findFirst().orElse("");
                    if (first.isEmpty()) {
                        throw new CliException(ExitCode.USAGE, "--password-file " + passwordFile
                                + " is empty: put the password on its first line");
                    }
                    return first;
                } catch (IOException e) {
                    throw new CliException(ExitCode.USAGE, "cannot read --password-file " + passwordFile + ": "
                            + e.getMessage(), e);
                }
            }
            if (passwordEnv != null && !passwordEnv.isEmpty()) {
                return passwordEnv;
            }
            Console console = System.console();
            if (console == null) {
                throw new CliException(ExitCode.USAGE, "no password for user '" + user + "': give --password-file "
                        + "or set FLYMQ_PASSWORD (no terminal to ask on)");
            }
            char[] typed = console.readPassword("Password for %s: ", user);
            if (typed == null || typed.length == 0) {
                throw new CliException(ExitCode.USAGE, "no password given for user '" + user + "'");
            }
            return new String(typed);
        }

        @Override
        public String toString() {
            return "Login[" + user + "]";
        }
    }
}
