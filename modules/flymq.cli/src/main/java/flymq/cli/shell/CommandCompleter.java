package flymq.cli.shell;

import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Completes shell input from the same Picocli model that parses it: subcommand names, option names of the
 * command reached so far (inherited global options included), and an option's value candidates
 * (e.g. --output table|json) right after that option.
 */
public final class CommandCompleter implements Completer {
    private final CommandSpec root;

    public CommandCompleter(CommandSpec root) {
        this.root = root;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        var words = line.words();
        candidates.addAll(candidates(words.subList(0, Math.min(line.wordIndex(), words.size())),
                line.word() == null ? "" : line.word()));
    }

    /** Candidates for the word being typed, given the complete words before it. */
    public List<Candidate> candidates(List<String> before, String current) {
        CommandSpec spec = root;
        OptionSpec pendingOption = null;
        for (var word : before) {
            if (pendingOption != null) {
                pendingOption = null;
                continue;
            }
            if (word.startsWith("-")) {
                var name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
                var option = spec.findOption(name);
                if (option != null && !word.contains("=") && option.arity().min() > 0) {
                    pendingOption = option;
                }
                continue;
            }
            var sub = spec.subcommands().get(word);
            if (sub != null) {
                spec = sub.getCommandSpec();
            }
        }
        var out = new java.util.ArrayList<Candidate>();
        if (pendingOption != null) {
            if (pendingOption.completionCandidates() != null) {
                for (var value : pendingOption.completionCandidates()) {
                    out.add(new Candidate(value));
                }
            }
            return out;
        }
        if (current.startsWith("-")) {
            for (var option : spec.options()) {
                if (option.hidden()) {
                    continue;
                }
                for (var name : option.names()) {
                    if (name.startsWith("--") || !current.startsWith("--")) {
                        out.add(new Candidate(name, name, "options", firstLine(option.description()), null, null,
                                option.arity().min() == 0));
                    }
                }
            }
            return out;
        }
        for (var e : spec.subcommands().entrySet()) {
            var sub = e.getValue().getCommandSpec();
            if (!sub.usageMessage().hidden() && e.getKey().equals(sub.name())) {
                out.add(new Candidate(e.getKey(), e.getKey(), "commands", firstLine(sub.usageMessage().header()),
                        null, null, true));
            }
        }
        for (var positional : spec.positionalParameters()) {
            if (positional.completionCandidates() != null) {
                for (var value : positional.completionCandidates()) {
                    out.add(new Candidate(value));
                }
            }
        }
        return out;
    }

    private static String firstLine(String[] text) {
        return text == null || text.length == 0 ? null : text[0].replaceAll("@\\|\\w+ ([^|]*)\\|@", "$1");
    }
}
