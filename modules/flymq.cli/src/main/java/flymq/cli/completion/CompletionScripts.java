package flymq.cli.completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Shell completion scripts generated from the Picocli command model, so they can never drift from the commands:
 * bash by Picocli's {@link AutoComplete}; zsh by loading that same script through zsh's bashcompinit;
 * fish written here from the {@link CommandSpec} (Picocli has no fish generator).
 */
public final class CompletionScripts {
    private CompletionScripts() {
    }

    public static String bash(CommandLine root) {
        return AutoComplete.bash(root.getCommandName(), root);
    }

    public static String zsh(CommandLine root) {
        return "# zsh completion for " + root.getCommandName() + ", generated from the command model.\n"
                + "# Use: source this file from ~/.zshrc (it loads bashcompinit and the bash completion).\n"
                + "autoload -U +X compinit && compinit\n"
                + "autoload -U +X bashcompinit && bashcompinit\n"
                + bash(root);
    }

    /**
     * fish completion: a helper function computes the subcommand path typed so far (e.g. "topic create"), and
     * each completion is guarded by the path it belongs to.
     */
    public static String fish(CommandLine root) {
        var name = root.getCommandName();
        var fn = "__" + name.replaceAll("[^A-Za-z0-9_]", "_");
        var paths = new ArrayList<String>();
        collectPaths(root.getCommandSpec(), "", paths);
        var sb = new StringBuilder();
        sb.append("# fish completion for ").append(name).append(", generated from the command model.\n");
        sb.append("# Use: copy to ~/.config/fish/completions/").append(name).append(".fish\n\n");
        sb.append("function ").append(fn).append("_path --description 'subcommand path typed so far'\n");
        sb.append("    set -l path\n");
        sb.append("    for token in (commandline -opc)[2..-1]\n");
        sb.append("        set -l candidate (string join ' ' $path $token)\n");
        sb.append("        switch $candidate\n");
        sb.append("            case");
        for (var p : paths) {
            if (!p.isEmpty()) {
                sb.append(" '").append(p).append("'");
            }
        }
        sb.append("\n                set path $path $token\n");
        sb.append("        end\n");
        sb.append("    end\n");
        sb.append("    string join ' ' $path\n");
        sb.append("end\n\n");
        sb.append("function ").append(fn).append("_at --description 'true when the typed path is $argv[1]'\n");
        sb.append("    set -l path (").append(fn).append("_path)\n");
        sb.append("    test \"$path\" = \"$argv[1]\"\n");
        sb.append("end\n\n");
        sb.append("complete -c ").append(name).append(" -f\n");
        emit(root.getCommandSpec(), "", name, fn, sb);
        return sb.toString();
    }

    private static void collectPaths(CommandSpec spec, String path, List<String> out) {
        out.add(path);
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            var sub = e.getValue().getCommandSpec();
            if (!sub.usageMessage().hidden()) {
                collectPaths(sub, path.isEmpty() ? e.getKey() : path + " " + e.getKey(), out);
            }
        }
    }

    private static void emit(CommandSpec spec, String path, String name, String fn, StringBuilder sb) {
        var guard = "-n '" + fn + "_at \"" + path + "\"'";
        for (var e : spec.subcommands().entrySet()) {
            var sub = e.getValue().getCommandSpec();
            if (sub.usageMessage().hidden() || !e.getKey().equals(sub.name())) {
                continue;
            }
            sb.append("complete -c ").append(name).append(' ').append(guard).append(" -a ").append(e.getKey())
                    .append(describe(sub.usageMessage().header())).append('\n');
        }
        for (OptionSpec option : spec.options()) {
            if (option.hidden()) {
                continue;
            }
            sb.append("complete -c ").append(name).append(' ').append(guard);
            for (var n : option.names()) {
                if (n.startsWith("--")) {
                    sb.append(" -l ").append(n.substring(2));
                } else if (n.startsWith("-") && n.length() == 2) {
                    sb.append(" -s ").append(n.charAt(1));
                }
            }
            if (option.arity().min() > 0) {
                sb.append(" -r");
                if (option.completionCandidates() != null) {
                    var values = new ArrayList<String>();
                    option.completionCandidates().forEach(values::add);
                    sb.append(" -a '").append(String.join(" ", values)).append("'");
                } else if (isPath(option.type())) {
                    sb.append(" -F");
                }
            }
            sb.append(describe(option.description())).append('\n');
        }
        for (var e : spec.subcommands().entrySet()) {
            var sub = e.getValue().getCommandSpec();
            if (!sub.usageMessage().hidden() && e.getKey().equals(sub.name())) {
                emit(sub, path.isEmpty() ? e.getKey() : path + " " + e.getKey(), name, fn, sb);
            }
        }
    }

    private static boolean isPath(Class<?> type) {
        return type == java.nio.file.Path.class || type == java.io.File.class;
    }

    private static String describe(String[] text) {
        if (text == null || text.length == 0 || text[0].isBlank()) {
            return "";
        }
        var first = text[0].replaceAll("@\\|\\w+ ([^|]*)\\|@", "$1")
                .replaceAll("\\$\\{[A-Z-]+}", "").replaceAll("\\s*\\(default: *\\)", "");
        var sentence = java.util.regex.Pattern.compile("(?<!e\\.g|i\\.e)\\. ").matcher(first);
        if (sentence.find()) {
            first = first.substring(0, sentence.start());
        }
        if (first.endsWith(".")) {
            first = first.substring(0, first.length() - 1);
        }
        return " -d '" + first.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
