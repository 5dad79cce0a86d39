package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.client.FlyMqClient;
import flymq.client.SubscribeMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser against the linked image's broker: every page loads, a topic is created and
 * deleted from the console, a record produced by a client shows in the message browser, and a group's lag changes
 * on the page without a reload (the live event stream). Screenshots of each page go to
 * {@code target/console-screenshots/} (docs/console.md shows some of them).
 */
class ConsoleBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dir;

    @Test
    void theConsoleShowsTopicsMessagesLagAndTheClusterLive() throws Exception {
        Optional<Path> browser = Chromium.find();
        Assumptions.assumeTrue(browser.isPresent(), "no chromium on PATH: the console's browser test did not run "
                + "(.ci/run installs Debian's chromium package)");
        int adminPort = ImageProcess.freePort();
        ImageProcess.Server server = ImageProcess.startServer("broker for the console", "--bind-addr", "127.0.0.1:0",
                "--data-dir", dir.resolve("data").toString(), "--node-id", "console-1",
                "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "observability.admin.addr=127.0.0.1:" + adminPort);
        String ui = "http://127.0.0.1:" + adminPort + "/ui/";
        try (Chromium chrome = Chromium.start(browser.get(), 1280, 860);
             FlyMqClient client = FlyMqClient.connect("127.0.0.1:" + server.port())) {
            chrome.navigate(ui + "#/overview");
            chrome.waitFor("the overview's live numbers", "document.querySelector('#ov-nodes').textContent === '1' "
                    + "&& document.querySelector('#ov-leader').textContent === 'console-1'", WAIT);
            chrome.waitFor("the live indicator", "document.querySelector('#live').classList.contains('ok')", WAIT);
            chrome.screenshot(SHOTS.resolve("overview.png"));

            // keyboard: the first Tab reaches the skip link, which leads to the page's content
            chrome.press("Tab", 9);
            assertEquals("skip", chrome.eval("document.activeElement.className").asText());
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            chrome.navigate(ui + "#/topics");
            chrome.waitFor("the topics page", "document.querySelector('#create-topic-name') !== null", WAIT);
            chrome.type("#create-topic-name", "browser-orders");
            chrome.type("#create-topic-partitions", "2");
            chrome.click("#create-topic-submit");
            chrome.waitFor("the new topic's row", "document.querySelector('tr[data-topic=\"browser-orders\"]')", WAIT);
            assertEquals(List.of("browser-orders"), client.listTopics(), "the console created it on the broker");
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            client.produce("browser-orders", 0, "order-1".getBytes(StandardCharsets.UTF_8),
                    "{\"item\":\"console\",\"qty\":2}".getBytes(StandardCharsets.UTF_8));
            chrome.waitFor("the message count to reach the table (live)",
                    "document.querySelector('tr[data-topic=\"browser-orders\"] td[data-messages=\"1\"]')", WAIT);
            chrome.screenshot(SHOTS.resolve("topics.png"));

            chrome.navigate(ui + "#/messages?topic=browser-orders&partition=0");
            chrome.waitFor("the produced record", "document.querySelector('#messages-table tr[data-offset=\"0\"] "
                    + "pre.value')?.textContent.includes('\"item\": \"console\"')", WAIT);
            assertTrue(chrome.eval("document.querySelector('#messages-table tr[data-offset=\"0\"]').textContent")
                    .asText().contains("order-1"), "the key is shown");
            chrome.screenshot(SHOTS.resolve("messages.png"));
            chrome.eval("(() => { const f = document.querySelector('#msg-format'); f.value = 'hex'; "
                    + "f.dispatchEvent(new Event('change')); return true; })()");
            chrome.waitFor("the value as hex", "document.querySelector('pre.value').textContent.startsWith('000000  7b')",
                    WAIT);

            client.subscribe("browser-orders", "browser-readers", 0, SubscribeMode.EARLIEST);
            client.commit("browser-orders", "browser-readers", 0, 0);
            chrome.navigate(ui + "#/groups");
            chrome.waitFor("the group's lag of 1", "document.querySelector('tr[data-group=\"browser-readers\"] "
                    + "td[data-lag=\"1\"]')", WAIT);
            chrome.eval("window.notReloaded = true");
            client.commit("browser-orders", "browser-readers", 0, 1);
            chrome.waitFor("the lag to drop to 0 without a reload", "window.notReloaded && document.querySelector("
                    + "'tr[data-group=\"browser-readers\"] td[data-lag=\"0\"]')", WAIT);
            chrome.screenshot(SHOTS.resolve("groups.png"));

            client.produce("browser-orders", 0, null, "later".getBytes(StandardCharsets.UTF_8));
            chrome.navigate(ui + "#/groups/browser-readers");
            chrome.waitFor("lag per partition with its age", "document.querySelector('#lag-table tr[data-partition=\"0\"] "
                    + "td[data-lag=\"1\"]')", WAIT);
            chrome.screenshot(SHOTS.resolve("group.png"));
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            chrome.navigate(ui + "#/cluster");
            chrome.waitFor("the node and its Raft role", "document.querySelector('#nodes-table').textContent"
                    + ".includes('console-1') && document.querySelector('#assignments-table tbody tr')", WAIT);
            chrome.screenshot(SHOTS.resolve("cluster.png"));

            chrome.navigate(ui + "#/topics/browser-orders");
            chrome.waitFor("the partitions of the topic", "document.querySelectorAll('#partitions-table tbody tr')"
                    + ".length === 2", WAIT);
            chrome.screenshot(SHOTS.resolve("topic.png"));

            chrome.navigate(ui + "#/groups/browser-readers");
            chrome.waitFor("the group's delete button", "document.querySelector('#lag-table tbody tr')", WAIT);
            chrome.click("#group-delete");
            chrome.waitFor("the confirmation", "document.querySelector('#group-delete').textContent === "
                    + "'Confirm delete'", WAIT);
            chrome.click("#group-delete");
            chrome.waitFor("the group list without the group", "location.hash === '#/groups' && "
                    + "document.querySelector('#groups-table') && !document.querySelector('tr[data-group=\"browser-readers\"]')",
                    WAIT);
            assertEquals(List.of(), client.listGroups(), "the console deleted the group on the broker");

            chrome.navigate(ui + "#/topics");
            chrome.waitFor("the topic's delete button", "document.querySelector('tr[data-topic=\"browser-orders\"] "
                    + "button')", WAIT);
            chrome.click("tr[data-topic=\"browser-orders\"] button");
            chrome.waitFor("the confirmation", "document.querySelector('tr[data-topic=\"browser-orders\"] "
                    + "button').textContent === 'Confirm delete'", WAIT);
            chrome.click("tr[data-topic=\"browser-orders\"] button");
            chrome.waitFor("the row to go", "!document.querySelector('tr[data-topic=\"browser-orders\"]')", WAIT);
            assertEquals(List.of(), client.listTopics());
            assertEquals(List.of(), unnamedControls(chrome), "every control has an accessible name");

            for (int i = 0; i < 20; i++) {
                client.produce("traffic", ("r" + i).getBytes(StandardCharsets.UTF_8));
            }
            chrome.navigate(ui + "#/overview"); // the same document: the event stream and its history carry on
            chrome.waitFor("sparklines with a few samples", "document.querySelector('.spark polyline')"
                    + ".getAttribute('points').split(' ').length >= 3", WAIT);
            chrome.screenshot(SHOTS.resolve("overview-live.png"));

            chrome.viewport(390, 844, true);
            chrome.navigate(ui + "#/overview");
            chrome.waitFor("the overview on a phone", "document.querySelector('#ov-nodes').textContent === '1'", WAIT);
            assertTrue(chrome.eval("document.documentElement.scrollWidth <= window.innerWidth + 1").asBoolean(),
                    "nothing overflows a phone's width");
            chrome.screenshot(SHOTS.resolve("overview-phone.png"));

            assertEquals(List.of(), chrome.pageErrors, "no script errors in the console");
        } finally {
            server.process().destroy();
            server.process().waitFor();
        }
        assertTrue(Files.size(SHOTS.resolve("overview.png")) > 1000);
    }

    /** Inputs, selects and buttons without an accessible name (label, aria-label or text). */
    private static List<String> unnamedControls(Chromium chrome) throws Exception {
        var names = chrome.eval("Array.from(document.querySelectorAll('input, select, button, a[href]'))"
                + ".filter(e => !e.hidden && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')"
                + " && !e.textContent.trim()).map(e => e.outerHTML)");
        List<String> out = new java.util.ArrayList<>();
        names.forEach(n -> out.add(n.asText()));
        return out;
    }
}
