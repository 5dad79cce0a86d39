package flymq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.BrokerConfig;
import flymq.protocol.Acks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.ParseResult;

/**
 * {@code --acks} of {@code produce}, {@code bench produce} and {@code server start} reads the spellings of the
 * broker's {@code performance.acks} key ({@link Acks#parse}); parsing only, so no broker is needed. {@code server
 * start} hands its text to the broker's configuration loader, so its value is checked through that loader.
 */
class AcksFlagsTest {
    private static final List<String> COMMANDS = List.of("produce orders v", "bench produce", "server start");

    @ParameterizedTest
    @CsvSource({"none, NONE", "0, NONE", "leader, LEADER", "1, LEADER", "all, ALL", "-1, ALL", "All, ALL"})
    void everyCommandReadsTheSameSpellings(String spelling, Acks expected) {
        for (String command : COMMANDS) {
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.addAll(List.of("--acks", spelling));
            ParseResult leaf = FlyMq.commandLine(args.toArray(String[]::new)).parseArgs(args.toArray(String[]::new));
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            Object value = leaf.matchedOption("--acks").getValue();
            if (command.equals("server start")) {
                value = BrokerConfig.load(null, Map.of(), Map.of("performance.acks", (String) value)).performance().acks();
            }
            assertEquals(expected, value, command + " --acks " + spelling);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"produce orders v", "bench produce", "server start"})
    void anotherWordIsAUsageErrorNamingTheSpellings(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--acks", "most"));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains(Acks.SPELLINGS), r.err());
    }
}
