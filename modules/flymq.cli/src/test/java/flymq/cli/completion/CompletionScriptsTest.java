package flymq.cli.completion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.Cli;
import flymq.cli.FlyMq;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompletionScriptsTest {
    /** The repository's completions/ folder, seen from the module's directory (surefire's working dir). */
    static final Path COMMITTED = Path.of("../../completions").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** Sources flymq.bash in a real bash, sets COMP_WORDS/COMP_CWORD, calls the completion function. */
    private List<String> bashComplete(Path script, String... words) throws IOException, InterruptedException {
        var quoted = new StringBuilder();
        for (var w : words) {
            quoted.append(" '").append(w).append("'");
        }
        var program = "source '" + script + "'\n"
                + "COMP_WORDS=(" + quoted + ")\n"
                + "COMP_CWORD=" + (words.length - 1) + "\n"
                + "COMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n"
                + "fn=$(complete -p flymq | sed -E 's/.*-F ([^ ]+) .*/\\1/')\n"
                + "$fn flymq \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        var p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start(); // compopt complains outside a real TAB
        var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "bash did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private Path generatedBash() throws IOException {
        GenerateCompletions.write(dir);
        return dir.resolve("flymq.bash");
    }

    @Test
    void bashCompletesTheFirstLettersOfACommand() throws Exception {
        var replies = bashComplete(generatedBash(), "flymq", "hea");
        assertEquals(List.of("health"), replies);
    }

    @Test
    void bashCompletesSubcommandsOfASubcommand() throws Exception {
        var replies = bashComplete(generatedBash(), "flymq", "health", "");
        assertTrue(replies.containsAll(List.of("check", "live", "ready")), replies.toString());
    }

    @Test
    void committedBashScriptCompletesToToTopic() throws Exception {
        var replies = bashComplete(COMMITTED.resolve("flymq.bash"), "flymq", "to");
        assertEquals(List.of("top", "topic"), replies.stream().sorted().toList());
        assertEquals(List.of("topic"), bashComplete(COMMITTED.resolve("flymq.bash"), "flymq", "topi"));
    }

    @Test
    void bashCompletesOptionValuesFromTheModel() throws Exception {
        var replies = bashComplete(generatedBash(), "flymq", "topic", "list", "--output", "");
        assertEquals(List.of("json", "table"), replies.stream().sorted().toList());
    }

    @Test
    void fishScriptGuardsEachCompletionWithItsCommandPath() {
        var fish = CompletionScripts.fish(FlyMq.commandLine());
        assertTrue(fish.contains("complete -c flymq -n '__flymq_at \"health\"' -a check"), fish);
        assertTrue(fish.contains("complete -c flymq -n '__flymq_at \"\"' -s o -l output -r -a 'table json'"), fish);
        assertTrue(fish.lines().anyMatch(l -> l.strip().startsWith("case ") && l.contains(" 'health check' ")), fish);
    }

    @Test
    void zshScriptLoadsBashcompinitBeforeTheBashScript() {
        var zsh = CompletionScripts.zsh(FlyMq.commandLine());
        assertTrue(zsh.indexOf("bashcompinit") < zsh.indexOf("complete -F"), zsh);
    }

    @Test
    void committedScriptsMatchTheCommandModel() throws IOException {
        GenerateCompletions.write(dir);
        for (var name : List.of("flymq.bash", "flymq.zsh", "flymq.fish")) {
            assertEquals(Files.readString(dir.resolve(name)), Files.readString(COMMITTED.resolve(name)),
                    "completions/" + name + " is out of date: copy modules/flymq.cli/target/completions/" + name
                            + " (written by the build) to completions/");
        }
    }

    @Test
    void completionCommandPrintsTheScript() {
        var r = Cli.run("completion", "fish");
        assertEquals(0, r.code());
        assertEquals(CompletionScripts.fish(FlyMq.commandLine()), r.out());
    }
}
