package flymq.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.ExitCode;
import flymq.cli.StubHttp;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ConsoleCommandTest {

    @Test
    void printsTheConsoleUrlOfAnAnsweringAdminApi() throws Exception {
        try (var admin = new StubHttp().serve("/api/v1/health", StubHttp.Reply.json(200, "{\"status\":\"healthy\"}"))) {
            var r = Cli.run("console", "--admin-url", admin.base());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            assertEquals(admin.base() + "/ui/", r.out().strip());
        }
    }

    @Test
    void aBrokerStillStartingIsThereAllTheSame() throws Exception {
        try (var admin = new StubHttp().serve("/api/v1/health", StubHttp.Reply.json(503, "{\"status\":\"unavailable\"}"))) {
            var r = Cli.run("console", "--admin-url", admin.base() + "/");
            assertEquals(ExitCode.OK, r.code(), r.toString());
            assertEquals(admin.base() + "/ui/", r.out().strip());
        }
    }

    @Test
    void somethingElseOnThePortIsAFailureThatSaysSo() throws Exception {
        try (var other = new StubHttp().serve("/elsewhere", StubHttp.Reply.json(200, "{}"))) {
            var r = Cli.run("console", "--admin-url", other.base());
            assertEquals(ExitCode.FAILED, r.code(), r.toString());
            assertTrue(r.err().contains("not a FlyMQ admin API"), r.err());
        }
    }

    @Test
    void nothingListeningExits3() throws Exception {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var r = Cli.run("console", "--admin-url", "http://127.0.0.1:" + port);
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
    }

    @Test
    void programsAreLookedUpOnThePath() {
        assertTrue(ConsoleCommand.onPath("surely-no-such-program-flymq").isEmpty());
        assertTrue(ConsoleCommand.onPath("sh").isPresent(), "sh is on every PATH this runs on");
    }
}
