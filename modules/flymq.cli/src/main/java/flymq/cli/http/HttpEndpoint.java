package flymq.cli.http;

import flymq.cli.CliException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * GETs the broker's HTTP endpoints (health on :9095, metrics on :9094) with short timeouts. A refused or timed-out
 * connection becomes exit code 3 (unreachable); any HTTP answer, even 503, is returned to the caller to judge.
 */
public final class HttpEndpoint {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final String what;

    /** @param what names the endpoint in error messages, e.g. "the health endpoint" */
    public HttpEndpoint(String what) {
        this.what = what;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** A status code and body. */
    public record Answer(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    public Answer get(URI uri) {
        var request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
        try {
            var response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (HttpConnectTimeoutException e) {
            throw CliException.unreachable(what, uri.toString(), e);
        } catch (HttpTimeoutException e) {
            throw CliException.failed(what + " at " + uri + " did not answer within "
                    + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw CliException.unreachable(what, uri.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted while waiting for " + what + " at " + uri);
        } catch (IllegalArgumentException e) {
            throw new CliException(flymq.cli.ExitCode.USAGE, "bad URL " + uri + ": " + e.getMessage());
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
