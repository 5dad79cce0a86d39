package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What every client command does when no broker listens, and the usage checks made before connecting. */
class ClientCommandsWithoutBrokerTest {

    @ParameterizedTest
    @ValueSource(strings = {"topic list", "topic create t", "topic describe t", "topic delete t", "produce t v",
            "consume t", "group list", "group describe g", "group lag g", "group reset g --topic t --to earliest",
            "group delete g", "cluster status", "cluster members"})
    void exitsThreeWithOneLineWhenNoBrokerListens(String command) throws Exception {
        var args = (command + " --server 127.0.0.1:" + StubHttp.closedPort()).split(" ");
        var r = Cli.run(args);
        assertEquals(ExitCode.UNREACHABLE, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("cannot reach a broker at 127.0.0.1:"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void fromCommitWithoutGroupIsAUsageError() {
        var r = Cli.run("consume", "orders", "--from", "commit");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("--from commit needs --group"), r.err());
    }

    @Test
    void badPositionIsAUsageError() {
        var r = Cli.run("consume", "orders", "--from", "yesterday");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("'yesterday' is not a position"), r.err());
    }

    @Test
    void badTopicNameIsAUsageError() {
        var r = Cli.run("topic", "create", "no/slashes");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("bad topic name 'no/slashes'"), r.err());
    }

    @Test
    void badFormatPlaceholderIsAUsageError() {
        var r = Cli.run("consume", "orders", "--format", "%x");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("'%x' is not one of"), r.err());
    }

    @Test
    void groupResetNeedsTopicAndTo() {
        var r = Cli.run("group", "reset", "billing");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("--to") && r.err().contains("--topic"), r.err());
    }

    @Test
    void badServerAddressIsAUsageError() {
        var r = Cli.run("topic", "list", "--server", "localhost");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("expected host:port"), r.err());
    }
}
