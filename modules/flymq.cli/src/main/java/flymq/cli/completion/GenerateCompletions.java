package flymq.cli.completion;

import flymq.cli.FlyMq;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build step (run by the Maven build after compile): writes flymq.bash, flymq.zsh and flymq.fish into the
 * directory given as the only argument. The repository's completions/ folder holds the same files; a test fails
 * when they differ from what the model generates.
 */
public final class GenerateCompletions {
    private GenerateCompletions() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: GenerateCompletions OUTPUT_DIR");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    public static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        var root = FlyMq.commandLine();
        Files.writeString(dir.resolve("flymq.bash"), CompletionScripts.bash(root));
        Files.writeString(dir.resolve("flymq.zsh"), CompletionScripts.zsh(root));
        Files.writeString(dir.resolve("flymq.fish"), CompletionScripts.fish(root));
    }
}
