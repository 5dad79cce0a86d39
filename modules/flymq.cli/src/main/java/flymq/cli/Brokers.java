package flymq.cli;

import flymq.client.AuthenticationException;
import flymq.client.ConnectionException;
import flymq.client.FlyMqClient;
import java.time.Duration;

/**
 * Opens the wire-protocol client for a client command. Timeouts are short because people and scripts are waiting:
 * a broker that does not accept a connection within 3 s counts as unreachable (exit 3).
 */
public final class Brokers {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private Brokers() {
    }

    public static FlyMqClient connect(Globals g) {
        var servers = String.join(",", g.servers());
        try {
            return g.clientBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .requestTimeout(REQUEST_TIMEOUT)
                    .build();
        } catch (AuthenticationException e) {
            throw new CliException(ExitCode.FAILED, "cannot log in to " + servers + " as '" + g.login().user()
                    + "': " + e.serverMessage(), e);
        } catch (ConnectionException e) {
            throw new CliException(ExitCode.UNREACHABLE, "cannot reach a broker at " + servers
                    + ": is it running? Start one with 'flymq server start' or point --server / FLYMQ_SERVER at it",
                    e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("TLS:")) {
                throw new CliException(ExitCode.USAGE, "bad --tls option: " + e.getMessage(), e);
            }
            throw new CliException(ExitCode.USAGE, "bad --server '" + servers + "': " + e.getMessage(), e);
        }
    }
}
