package flymq.cli.manpage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes man(7) roff pages from the Picocli model, one per command ({@code flymq-topic-create.1}): NAME, SYNOPSIS,
 * DESCRIPTION, ARGUMENTS, OPTIONS, COMMANDS, EXIT STATUS, ENVIRONMENT and SEE ALSO. Description lines indented by
 * two spaces are examples and are set unfilled. picocli-codegen's ManPageGenerator writes the AsciiDoc sources of
 * the same pages; these are the pages `man` reads without asciidoctor.
 */
public final class ManPages {
    private static final Pattern MARKUP = Pattern.compile("@\\|(\\w+(?:,\\w+)*) (.*?)\\|@");

    private ManPages() {
    }

    /** Every command of the tree with its page file name (e.g. "flymq-topic-create.1"). */
    public static List<CommandSpec> commands(CommandSpec root) {
        var out = new ArrayList<CommandSpec>();
        collect(root, out);
        return out;
    }

    private static void collect(CommandSpec spec, List<CommandSpec> out) {
        out.add(spec);
        spec.subcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandSpec().name()) && !sub.getCommandSpec().usageMessage().hidden()) {
                collect(sub.getCommandSpec(), out);
            }
        });
    }

    public static String fileName(CommandSpec spec) {
        return spec.qualifiedName("-") + ".1";
    }

    public static String page(CommandSpec spec, String version) {
        var r = new StringBuilder();
        var title = spec.qualifiedName("-").toUpperCase(Locale.ROOT);
        r.append(".TH \"").append(title).append("\" \"1\" \"\" \"FlyMQ ").append(version)
                .append("\" \"FlyMQ Manual\"\n");
        r.append(".SH NAME\n").append(escape(spec.qualifiedName("-"))).append(" \\- ")
                .append(text(first(spec.usageMessage().header()))).append('\n');

        r.append(".SH SYNOPSIS\n.nf\n");
        var synopsis = spec.commandLine().getHelp().synopsis(0).replaceAll("\u001B\\[[0-9;]*m", "").stripTrailing();
        r.append(escape(synopsis)).append("\n.fi\n");

        var description = spec.usageMessage().description();
        if (description.length > 0) {
            r.append(".SH DESCRIPTION\n");
            paragraphs(description, r);
        }
        if (!spec.positionalParameters().isEmpty()) {
            r.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (!p.hidden()) {
                    r.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n")
                            .append(text(String.join(" ", p.description()))).append('\n');
                }
            }
        }
        if (!spec.options().isEmpty()) {
            r.append(".SH OPTIONS\n");
            for (OptionSpec o : spec.options()) {
                if (o.hidden()) {
                    continue;
                }
                r.append(".TP\n");
                var names = new ArrayList<String>();
                for (var n : o.names()) {
                    names.add("\\fB" + escape(n) + "\\fR");
                }
                r.append(String.join(", ", names));
                if (o.arity().max() > 0) {
                    r.append("=\\fI").append(escape(o.paramLabel())).append("\\fR");
                }
                r.append('\n').append(text(String.join(" ", o.description()))).append('\n');
            }
        }
        var subs = spec.subcommands().entrySet().stream()
                .filter(e -> e.getKey().equals(e.getValue().getCommandSpec().name())).toList();
        if (!subs.isEmpty()) {
            r.append(".SH COMMANDS\n");
            for (var e : subs) {
                r.append(".TP\n\\fB").append(escape(e.getKey())).append("\\fR\n")
                        .append(text(first(e.getValue().getCommandSpec().usageMessage().header()))).append('\n');
            }
        }
        var codes = spec.root().usageMessage().exitCodeList();
        if (!codes.isEmpty()) {
            r.append(".SH EXIT STATUS\n");
            codes.forEach((code, meaning) -> r.append(".TP\n\\fB").append(escape(code.strip())).append("\\fR\n")
                    .append(text(meaning)).append('\n'));
        }
        r.append(".SH ENVIRONMENT\n.TP\n\\fBFLYMQ_SERVER\\fR\nDefault for \\fB\\-\\-server\\fR.\n");
        r.append(".SH SEE ALSO\n");
        var seeAlso = new ArrayList<String>();
        if (spec.parent() != null) {
            seeAlso.add("\\fB" + escape(spec.parent().qualifiedName("-")) + "\\fR(1)");
        }
        for (var e : subs) {
            seeAlso.add("\\fB" + escape(e.getValue().getCommandSpec().qualifiedName("-")) + "\\fR(1)");
        }
        r.append(seeAlso.isEmpty() ? "docs/cli.md" : String.join(", ", seeAlso)).append('\n');
        return r.toString();
    }

    private static void paragraphs(String[] lines, StringBuilder r) {
        boolean example = false;
        for (var line : lines) {
            if (line.isBlank()) {
                if (example) {
                    r.append(".fi\n");
                    example = false;
                }
                continue;
            }
            if (line.startsWith("  ")) {
                if (!example) {
                    r.append(".PP\n.nf\n");
                    example = true;
                }
                r.append(text(line)).append('\n');
            } else {
                if (example) {
                    r.append(".fi\n");
                    example = false;
                }
                r.append(".PP\n").append(text(line)).append('\n');
            }
        }
        if (example) {
            r.append(".fi\n");
        }
    }

    private static String first(String[] lines) {
        return lines == null || lines.length == 0 ? "" : lines[0];
    }

    /** Escapes roff and turns Picocli's @|bold x|@ markup into bold or italic. */
    static String text(String s) {
        // Picocli texts are format strings: "%%" is a literal percent and "%n" a newline; a lone "%" is literal too.
        var formatted = java.util.regex.Pattern.compile("%(%|n)?").matcher(s)
                .replaceAll(m -> m.group(1) == null ? "%" : m.group(1).equals("n") ? "\n" : "%");
        var m = MARKUP.matcher(formatted);
        var sb = new StringBuilder();
        int last = 0;
        while (m.find()) {
            sb.append(escape(formatted.substring(last, m.start())));
            var font = m.group(1).contains("italic") || m.group(1).contains("underline") ? "\\fI" : "\\fB";
            sb.append(font).append(escape(m.group(2))).append("\\fR");
            last = m.end();
        }
        sb.append(escape(formatted.substring(last)));
        return sb.toString();
    }

    static String escape(String s) {
        var e = s.replace("\\", "\\e").replace("-", "\\-");
        var lines = e.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(".") || lines[i].startsWith("'")) {
                lines[i] = "\\&" + lines[i];
            }
        }
        return String.join("\n", lines);
    }

    /** Build step: writes every page into the directory given as the only argument. */
    public static void main(String[] args) throws java.io.IOException {
        if (args.length != 1) {
            System.err.println("usage: ManPages OUTPUT_DIR");
            System.exit(2);
        }
        var dir = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(dir);
        var root = flymq.cli.FlyMq.commandLine();
        var version = flymq.cli.FlyMq.Version.version();
        for (var spec : commands(root.getCommandSpec())) {
            java.nio.file.Files.writeString(dir.resolve(fileName(spec)), page(spec, version));
        }
    }

}
