package flymq.cli;

import flymq.cli.output.OutputFormat;
import java.io.PrintWriter;
import java.net.URI;
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
 */
public record Globals(String server, URI metricsUrl, URI healthUrl, OutputFormat output, boolean verbose,
                      PrintWriter out, PrintWriter err, TlsOptions tls) {

    /** Without TLS options (plain TCP). */
    public Globals(String server, URI metricsUrl, URI healthUrl, OutputFormat output, boolean verbose,
                   PrintWriter out, PrintWriter err) {
        this(server, metricsUrl, healthUrl, output, verbose, out, err, TlsOptions.OFF);
    }

    /** A client builder for the --server list with the TLS options applied. */
    public flymq.client.FlyMqClient.Builder clientBuilder() {
        return tls.applyTo(flymq.client.FlyMqClient.builder().bootstrap(String.join(",", servers())));
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
}
