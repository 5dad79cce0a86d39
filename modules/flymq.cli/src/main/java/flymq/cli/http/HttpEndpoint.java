package flymq.cli.http;

import flymq.cli.CliException;
import flymq.cli.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import javax.net.ssl.HttpsURLConnection;
import flymq.cli.TlsOptions;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * GETs the broker's HTTP endpoints (health on :9095, metrics on :9094) with short timeouts. A refused or timed-out
 * connection becomes exit code 3 (unreachable); any HTTP answer, even 503, is returned to the caller to judge.
 *
 * <p>Uses {@link HttpURLConnection} rather than java.net.http: the latter sets up TLS when a client is built, which
 * costs about a quarter of a second of CPU at every start of `flymq health ...`, for endpoints that are plain HTTP.
 *
 * <p>An {@code https://} URL is verified against the CLI's TLS options: {@code --tls-ca} (else the JVM's trusted
 * CAs), or not at all with {@code --insecure}, as for the broker's binary port.
 */
public final class HttpEndpoint {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final String what;
    private final TlsOptions tls;

    /** @param what names the endpoint in error messages, e.g. "the health endpoint" */
    public HttpEndpoint(String what) {
        this(what, TlsOptions.OFF);
    }

    /** With the CLI's TLS options for {@code https://} URLs. */
    public HttpEndpoint(String what, TlsOptions tls) {
        this.what = what;
        this.tls = tls;
    }

    /** A status code and body. */
    public record Answer(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    public Answer get(URI uri) {
        HttpURLConnection connection;
        try {
            var scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected http://host:port/...");
            }
            connection = (HttpURLConnection) uri.toURL().openConnection();
        } catch (IllegalArgumentException | IOException e) {
            throw new CliException(ExitCode.USAGE, "bad URL " + uri + ": " + e.getMessage());
        }
        if (connection instanceof HttpsURLConnection https && (tls.ca() != null || tls.insecure())) {
            https.setSSLSocketFactory(tls.httpsContext().getSocketFactory());
            if (tls.insecure()) {
                https.setHostnameVerifier((host, session) -> true);
            }
        }
        connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        connection.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
        connection.setRequestProperty("Accept", "*/*");
        try {
            connection.connect();
        } catch (IOException e) {
            throw CliException.unreachable(what, uri.toString(), e);
        }
        try {
            int status = connection.getResponseCode();
            InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            try (body) {
                return new Answer(status, body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException e) {
            throw CliException.failed(what + " at " + uri + " did not answer within " + REQUEST_TIMEOUT.toSeconds()
                    + " s");
        } catch (IOException e) {
            throw CliException.failed(what + " at " + uri + " broke off its answer: " + e.getMessage());
        } finally {
            connection.disconnect();
        }
    }

    /** Joins a base URL and a path without doubling or dropping the slash. */
    public static URI resolve(URI base, String path) {
        var text = base.toString();
        if (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text + path);
    }
}
