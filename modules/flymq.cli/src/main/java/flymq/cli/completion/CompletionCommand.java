package flymq.cli.completion;

import flymq.cli.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `flymq completion SHELL`: prints the completion script, for `source <(flymq completion bash)`. */
@Command(name = "completion",
        header = "Print the shell completion script for bash, zsh or fish.",
        description = {
            "",
            "The same scripts ship in the completions/ folder; they are generated from this command model.",
            "",
            "  bash:  source <(flymq completion bash)",
            "  zsh:   source <(flymq completion zsh)",
            "  fish:  flymq completion fish > ~/.config/fish/completions/flymq.fish",
            ""},
        mixinStandardHelpOptions = true)
public final class CompletionCommand implements Callable<Integer> {

    enum Shell { bash, zsh, fish }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish.")
    Shell shell;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        var out = spec.commandLine().getOut();
        out.print(switch (shell) {
            case bash -> CompletionScripts.bash(root);
            case zsh -> CompletionScripts.zsh(root);
            case fish -> CompletionScripts.fish(root);
        });
        out.flush();
        return ExitCode.OK;
    }
}
