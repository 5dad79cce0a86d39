package flymq.admin.console;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web console's files, read once from this module's {@code flymq-console/} resources and served from memory at
 * {@code /ui/}: plain HTML, CSS and JavaScript modules, written as sources (no build step, nothing from a CDN). The
 * list below is every file; a file missing from the jar fails the start, not the first browser.
 */
public final class ConsoleAssets {
    static final List<String> FILES = List.of("index.html", "console.css", "console.js", "api.js", "pages.js",
            "format.js", "charts.js");
    private static final String ROOT = "/flymq-console/";
    /** Only this server's own files and API: no inline script, no other origin, not framed. */
    private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Map<String, byte[]> files = new LinkedHashMap<>();

    public ConsoleAssets() {
        for (String name : FILES) {
            try (InputStream in = ConsoleAssets.class.getResourceAsStream(ROOT + name)) {
                if (in == null) {
                    throw new IllegalStateException("console file " + ROOT + name + " is missing from flymq.admin");
                }
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read console file " + ROOT + name, e);
            }
        }
    }

    /** Whether {@code rawPath} is the console's ({@code /}, {@code /ui} and below). */
    public static boolean serves(String rawPath) {
        return rawPath.equals("/") || rawPath.equals("/ui") || rawPath.startsWith("/ui/");
    }

    public void handle(ServerRequest req, ServerResponse res) {
        String path = req.path().rawPath();
        String method = req.prologue().method().text();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            res.status(405).header("Allow", "GET, HEAD").send();
            return;
        }
        if (path.equals("/") || path.equals("/ui")) {
            res.status(308).header("Location", "/ui/").send();
            return;
        }
        String name = path.substring("/ui/".length());
        if (name.isEmpty()) {
            name = "index.html";
        }
        byte[] body = files.get(name);
        if (body == null) {
            res.status(404).header("Content-Type", "text/plain; charset=utf-8").send("no console file " + name);
            return;
        }
        res.header("Content-Type", contentType(name));
        res.header("Cache-Control", "no-cache");
        res.header("X-Content-Type-Options", "nosniff");
        res.header("Content-Security-Policy", CSP);
        res.header("Referrer-Policy", "no-referrer");
        res.send(body);
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return "application/octet-stream";
    }
}
