package flymq.jlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over its DevTools protocol (CDP) with the JDK's WebSocket client: one page, JavaScript
 * evaluated in it, real key and text input, screenshots. No driver binary and no library: the browser is Debian's
 * {@code chromium}, the protocol is the one every Chromium speaks.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** Uncaught exceptions and console errors of the page, for a test to assert there were none. */
    final List<String> pageErrors = new CopyOnWriteArrayList<>();

    /** The browser on PATH ({@code chromium}, as Debian names it, or Chrome's names), if any. */
    static Optional<Path> find() {
        String path = System.getenv("PATH");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    static Chromium start(Path browser, int width, int height) throws Exception {
        return start(browser, width, height, List.of());
    }

    /** @param extraFlags more command-line switches, e.g. {@code --ignore-certificate-errors-spki-list=...} */
    static Chromium start(Path browser, int width, int height, List<String> extraFlags) throws Exception {
        Path profile = Files.createTempDirectory("flymq-chromium");
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--hide-scrollbars", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height));
        command.addAll(extraFlags);
        command.add("about:blank");
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String browserUrl = null;
        String line;
        while ((line = err.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                browserUrl = m.group(1);
                break;
            }
        }
        if (browserUrl == null) {
            p.destroyForcibly();
            throw new AssertionError("chromium exited before it listened for DevTools:\n" + seen);
        }
        Thread drain = new Thread(() -> {
            try {
                err.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the browser is gone
            }
        });
        drain.setDaemon(true);
        drain.start();
        URI browserUri = URI.create(browserUrl);
        HttpClient http = HttpClient.newHttpClient();
        String list = http.send(HttpRequest.newBuilder(URI.create("http://" + browserUri.getAuthority() + "/json/list"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        String pageUrl = null;
        for (JsonNode target : JSON.readTree(list)) {
            if (target.get("type").asText().equals("page")) {
                pageUrl = target.get("webSocketDebuggerUrl").asText();
            }
        }
        if (pageUrl == null) {
            p.destroyForcibly();
            throw new AssertionError("chromium has no page target: " + list);
        }
        return new Chromium(p, profile, http, URI.create(pageUrl));
    }

    private Chromium(Process process, Path profile, HttpClient http, URI page) throws Exception {
        this.process = process;
        this.profile = profile;
        this.socket = http.newWebSocketBuilder().buildAsync(page, new Listener()).get(30, TimeUnit.SECONDS);
        call("Runtime.enable", Map.of());
        call("Page.enable", Map.of());
        call("Log.enable", Map.of());
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                handle(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    private void handle(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    f.complete(m);
                }
            } else if ("Runtime.exceptionThrown".equals(m.path("method").asText())) {
                pageErrors.add(m.path("params").path("exceptionDetails").toString());
            } else if ("Log.entryAdded".equals(m.path("method").asText())
                    && "error".equals(m.path("params").path("entry").path("level").asText())) {
                pageErrors.add(m.path("params").path("entry").path("text").asText() + " "
                        + m.path("params").path("entry").path("url").asText());
            }
        } catch (IOException e) {
            pageErrors.add("unreadable DevTools message: " + message);
        }
    }

    /** Sends one DevTools command and returns its result. */
    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        JsonNode m = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (m.has("error")) {
            throw new AssertionError(method + " failed: " + m.get("error"));
        }
        return m.get("result");
    }

    /** Evaluates {@code js} in the page (awaiting a promise) and returns its value. */
    JsonNode eval(String js) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", js, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("page script failed: " + js + "\n" + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Waits until {@code condition} (a JavaScript expression) is truthy in the page. */
    void waitFor(String what, String condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode v = eval("(() => { try { return !!(" + condition + "); } catch (e) { return false; } })()");
            if (v.asBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + " (" + condition + "); page text:\n" + eval("document.body.innerText").asText()
                        + "\npage errors: " + pageErrors);
            }
            // poll the page's state; each round trip is a DevTools call, no sleep stands in for an event
            call("Runtime.evaluate", Map.of("expression", "new Promise(r => setTimeout(r, 100))",
                    "awaitPromise", true));
        }
    }

    void navigate(String url) throws Exception {
        call("Page.navigate", Map.of("url", url));
        waitFor("the page to load", "document.readyState === 'complete' && location.href === " + quote(url),
                Duration.ofSeconds(30));
    }

    /** Focuses the element and types {@code text} into it as keyboard input (replacing what it held). */
    void type(String selector, String text) throws Exception {
        eval("(() => { const e = document.querySelector(" + quote(selector) + "); e.value = ''; e.focus(); "
                + "return true; })()");
        call("Input.insertText", Map.of("text", text));
    }

    void click(String selector) throws Exception {
        eval("document.querySelector(" + quote(selector) + ").click()");
    }

    /** One key press (e.g. {@code Tab}, {@code Enter}) to the focused element. */
    void press(String key, int keyCode) throws Exception {
        for (String type : List.of("rawKeyDown", "keyUp")) {
            call("Input.dispatchKeyEvent", Map.of("type", type, "key", key, "code", key,
                    "windowsVirtualKeyCode", keyCode, "nativeVirtualKeyCode", keyCode));
        }
    }

    void viewport(int width, int height, boolean mobile) throws Exception {
        call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", mobile));
    }

    void screenshot(Path file) throws Exception {
        JsonNode r = call("Page.captureScreenshot", Map.of("format", "png"));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.abort();
        } finally {
            // the browser's helper processes (network service, GPU) write to the profile too; they must be gone
            // before it is deleted
            List<ProcessHandle> helpers = process.descendants().toList();
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle helper : helpers) {
                helper.destroyForcibly();
                try {
                    helper.onExit().get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException stuck) {
                    // left to the operating system; the profile below may then stay behind
                }
            }
            try (var files = Files.walk(profile)) {
                List<Path> all = new ArrayList<>(files.toList());
                java.util.Collections.reverse(all);
                for (Path f : all) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException | java.io.UncheckedIOException ignored) {
                // a file vanished while the tree was walked; the temp directory is left behind
            }
        }
    }
}
