package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's users and ACLs page in a real browser against the linked image's broker with {@code auth.enabled}
 * (the browser sends the administrator's Basic credentials with every request, as it would after its login
 * prompt): a user created on the page logs in on the binary port, is disabled and deleted from it; a topic ACL is
 * set and deleted; every change is the broker's (read back through the API).
 */
class ConsoleSecurityBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            "admin:s3cret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void usersAndTopicAclsAreManagedFromTheConsole() throws Exception {
        Optional<Path> browser = Chromium.find();
        Assumptions.assumeTrue(browser.isPresent(), "no chromium on PATH: the console's browser test did not run "
                + "(.ci/run installs Debian's chromium package)");
        int adminPort = ImageProcess.freePort();
        ImageProcess.Server server = ImageProcess.startServer("broker for the console's users", "--bind-addr",
                "127.0.0.1:0", "--data-dir", dir.resolve("data").toString(), "--node-id", "security-1",
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:" + adminPort, "--set", "auth.enabled=true",
                "--set", "auth.admin_password=s3cret", "--set", "auth.password_hash_iterations=1000");
        String api = "http://127.0.0.1:" + adminPort + "/api/v1";
        String ui = "http://127.0.0.1:" + adminPort + "/ui/";
        try (Chromium chrome = Chromium.start(browser.get(), 1280, 900)) {
            chrome.call("Network.enable", Map.of());
            chrome.call("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", BASIC)));
            chrome.navigate(ui + "#/security");
            chrome.waitFor("the users table with the administrator", "document.querySelector('tr[data-user=\"admin\"]')",
                    WAIT);
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            chrome.type("#user-name", "alice");
            chrome.type("#user-password", "pw-1");
            chrome.type("#user-roles", "producer");
            chrome.click("#create-user-submit");
            chrome.waitFor("alice's row", "document.querySelector('tr[data-user=\"alice\"] td[data-enabled=\"true\"]')",
                    WAIT);
            try (FlyMqClient alice = FlyMqClient.builder().bootstrap("127.0.0.1:" + server.port())
                    .credentials("alice", "pw-1").build()) {
                assertEquals("alice", alice.whoami().username(), "the console's user logs in on the binary port");
            }
            chrome.click("tr[data-user=\"alice\"] button");
            chrome.waitFor("alice disabled", "document.querySelector('tr[data-user=\"alice\"] td[data-enabled=\"false\"]')",
                    WAIT);
            assertTrue(get(api + "/users/alice").contains("\"enabled\":false"));

            chrome.type("#acl-topic", "private-orders");
            chrome.type("#acl-users", "alice");
            chrome.click("#set-acl-submit");
            chrome.waitFor("the ACL's row", "document.querySelector('tr[data-acl=\"private-orders\"]')"
                    + "?.textContent.includes('alice')", WAIT);
            assertTrue(get(api + "/acls/private-orders").contains("\"exists\":true"));
            chrome.screenshot(SHOTS.resolve("security.png"));
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            chrome.click("tr[data-acl=\"private-orders\"] button");
            chrome.waitFor("the confirmation", "document.querySelector('tr[data-acl=\"private-orders\"] button')"
                    + ".textContent === 'Confirm delete'", WAIT);
            chrome.click("tr[data-acl=\"private-orders\"] button");
            chrome.waitFor("the ACL gone", "!document.querySelector('tr[data-acl=\"private-orders\"]')", WAIT);
            assertTrue(get(api + "/acls/private-orders").contains("\"exists\":false"));

            String delete = "tr[data-user=\"alice\"] button:last-child";
            chrome.click(delete);
            chrome.waitFor("the confirmation", "document.querySelector('" + delete.replace("\"", "\\\"")
                    + "').textContent === 'Confirm delete'", WAIT);
            chrome.click(delete);
            chrome.waitFor("alice gone", "!document.querySelector('tr[data-user=\"alice\"]')", WAIT);
            assertTrue(get(api + "/users/alice").contains("not found"));
            assertEquals(List.of(), chrome.pageErrors, "no script errors in the console");
        } finally {
            server.process().destroy();
            server.process().waitFor();
        }
        assertTrue(Files.size(SHOTS.resolve("security.png")) > 1000);
    }

    private static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", BASIC)
                .build(), HttpResponse.BodyHandlers.ofString()).body();
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
