package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.TopicMetadata;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's topic settings form and schema pages in a real browser against the linked image's broker: settings
 * changed on a topic's page are the broker's (a client's METADATA shows them), a cleared field goes back to the
 * broker default; a schema registered on the schemas page gets a second version, shows its definition and is
 * deleted from its page. Screenshots go to {@code target/console-screenshots/}.
 */
class ConsoleSettingsAndSchemasBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dir;

    @Test
    void topicSettingsAndSchemasAreManagedFromTheConsole() throws Exception {
        Optional<Path> browser = Chromium.find();
        Assumptions.assumeTrue(browser.isPresent(), "no chromium on PATH: the console's browser test did not run "
                + "(.ci/run installs Debian's chromium package)");
        int adminPort = ImageProcess.freePort();
        ImageProcess.Server server = ImageProcess.startServer("broker for the console's settings", "--bind-addr",
                "127.0.0.1:0", "--data-dir", dir.resolve("data").toString(), "--node-id", "settings-1",
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:" + adminPort);
        String api = "http://127.0.0.1:" + adminPort + "/api/v1";
        String ui = "http://127.0.0.1:" + adminPort + "/ui/";
        try (Chromium chrome = Chromium.start(browser.get(), 1280, 900);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + server.port())) {
            client.createTopic("settings-orders", 2);
            chrome.navigate(ui + "#/topics/settings-orders");
            chrome.waitFor("the settings form filled with the effective values",
                    "document.querySelector('#setting-retention-ms').value === '168' "
                            + "&& document.querySelector('#setting-ttl-ms').value === '0'", WAIT);
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            chrome.type("#setting-retention-ms", "2");
            chrome.type("#setting-ttl-ms", "90");
            chrome.click("#topic-settings-submit");
            chrome.waitFor("the saved settings on the page", "document.querySelector('#topic-status').textContent"
                    + ".startsWith('Saved') && document.querySelector('[data-field=\"Time to live\"]').textContent "
                    + "=== '1 min 30 s'", WAIT);
            TopicMetadata m = client.metadata("settings-orders");
            assertEquals(7_200_000, m.retentionMs(), "the console changed the broker's topic");
            assertEquals(90_000, m.ttlMs());
            assertEquals(2, m.partitionCount());
            chrome.screenshot(SHOTS.resolve("topic-settings.png"));

            chrome.type("#setting-retention-ms", "");
            chrome.click("#topic-settings-submit");
            chrome.waitFor("the broker default again", "document.querySelector('#setting-retention-ms').value "
                    + "=== '168' && document.querySelector('#topic-status').textContent === 'Saved retention_ms.'",
                    WAIT);
            assertEquals(604_800_000L, client.metadata("settings-orders").retentionMs());
            assertEquals(90_000, client.metadata("settings-orders").ttlMs(), "the TTL stays");

            chrome.type("#setting-segment-bytes", "0.0001");
            chrome.click("#topic-settings-submit");
            chrome.waitFor("the broker's refusal", "document.querySelector('#topic-status').className === 'error' "
                    + "&& document.querySelector('#topic-status').textContent.includes('segment_bytes')", WAIT);
            expectedRefusals(chrome, "/config");

            chrome.navigate(ui + "#/schemas");
            chrome.waitFor("the schemas page", "document.querySelector('#register-schema') !== null", WAIT);
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");
            chrome.type("#schema-name", "orders-value");
            chrome.type("#schema-definition", "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},"
                    + "\"required\":[\"id\"],\"additionalProperties\":false}");
            chrome.click("#register-schema-submit");
            chrome.waitFor("version 1 in the list", "document.querySelector('tr[data-schema=\"orders-value\"] "
                    + "td:nth-child(2)')?.textContent === '1'", WAIT);
            chrome.type("#schema-definition", "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},"
                    + "\"required\":[\"id\"]}");
            chrome.click("#register-schema-submit");
            chrome.waitFor("the registry's reason for refusing an incompatible version", "document.querySelector("
                    + "'#schemas-status').className === 'error' && document.querySelector('#schemas-status')"
                    + ".textContent.includes('not BACKWARD compatible')", WAIT);
            expectedRefusals(chrome, "/api/v1/schemas");
            chrome.type("#schema-definition", "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
                    + "\"note\":{\"type\":\"string\"}},\"required\":[\"id\"],\"additionalProperties\":false}");
            chrome.click("#register-schema-submit");
            chrome.waitFor("version 2, two versions", "document.querySelector('tr[data-schema=\"orders-value\"] "
                    + "td:nth-child(2)')?.textContent === '2' && document.querySelector('tr[data-schema="
                    + "\"orders-value\"] td:nth-child(3)').textContent === '2'", WAIT);
            chrome.screenshot(SHOTS.resolve("schemas.png"));

            chrome.click("tr[data-schema=\"orders-value\"] a");
            chrome.waitFor("the latest definition and both versions", "location.hash === '#/schemas/orders-value' "
                    + "&& document.querySelector('#schema-text').textContent.includes('\"note\"') "
                    + "&& document.querySelectorAll('#schema-versions tbody tr').length === 2", WAIT);
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");
            chrome.screenshot(SHOTS.resolve("schema.png"));
            chrome.click("#schema-delete");
            chrome.waitFor("the confirmation", "document.querySelector('#schema-delete').textContent === "
                    + "'Confirm delete'", WAIT);
            chrome.click("#schema-delete");
            chrome.waitFor("the list without the subject", "location.hash === '#/schemas' && document.querySelector("
                    + "'#schemas-table') && !document.querySelector('tr[data-schema=\"orders-value\"]')", WAIT);
            HttpResponse<String> gone = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(api + "/schemas/orders-value")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, gone.statusCode(), "the console deleted the subject on the broker: " + gone.body());

            assertEquals(List.of(), chrome.pageErrors, "no script errors in the console");
        } finally {
            server.process().destroy();
            server.process().waitFor();
        }
        assertTrue(Files.size(SHOTS.resolve("topic-settings.png")) > 1000);
    }

    /** The browser logs a refused request as an error: exactly those the test caused are taken off the list. */
    private static void expectedRefusals(Chromium chrome, String path) {
        List<String> errors = List.copyOf(chrome.pageErrors);
        assertTrue(!errors.isEmpty() && errors.stream().allMatch(e -> e.contains("status of 400") && e.contains(path)),
                "only the refused request is logged: " + errors);
        chrome.pageErrors.clear();
    }

    /** Inputs, selects, text areas and buttons without an accessible name (label, aria-label or text). */
    private static List<String> unnamedControls(Chromium chrome) throws Exception {
        var names = chrome.eval("Array.from(document.querySelectorAll('input, select, textarea, button, a[href]'))"
                + ".filter(e => !e.hidden && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')"
                + " && !e.textContent.trim()).map(e => e.outerHTML)");
        List<String> out = new java.util.ArrayList<>();
        names.forEach(n -> out.add(n.asText()));
        return out;
    }
}
