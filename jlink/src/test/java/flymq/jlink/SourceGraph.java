package flymq.jlink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package dependency graph of one source tree, read from the Java sources themselves: a package depends on
 * another when one of its files imports a type of it or names one fully qualified ({@code a.b.Type}). Comments and
 * string literals are ignored, so a Javadoc mention or a main-class name in a string is not a dependency. Only
 * packages declared in the tree are nodes; references to other modules' packages are left to the module graph.
 */
record SourceGraph(Set<String> packages, Map<String, Map<String, Set<String>>> edges) {

    /** A package name followed by {@code .Type}: the longest run of lower-case segments before a capital. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "\\b([a-z_][a-z0-9_]*(?:\\s*\\.\\s*[a-z_][a-z0-9_]*)*)\\s*\\.\\s*[A-Z]");
    private static final Pattern WILDCARD = Pattern.compile("\\bimport\\s+([a-z_][\\w.\\s]*?)\\s*\\.\\s*\\*\\s*;");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    /** Reads every {@code .java} file under {@code root} except {@code module-info.java}. */
    static SourceGraph of(Path root) {
        Map<Path, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")
                    && !p.getFileName().toString().equals("module-info.java")).toList()) {
                sources.put(f, code(Files.readString(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sources under " + root, e);
        }
        Map<Path, String> packageOf = new HashMap<>();
        Set<String> packages = new TreeSet<>();
        sources.forEach((file, code) -> {
            Matcher m = PACKAGE.matcher(code);
            if (!m.find()) {
                throw new IllegalStateException(file + " declares no package");
            }
            packageOf.put(file, m.group(1));
            packages.add(m.group(1));
        });
        Map<String, Map<String, Set<String>>> edges = new TreeMap<>();
        sources.forEach((file, code) -> {
            String from = packageOf.get(file);
            Set<String> targets = new TreeSet<>();
            Matcher q = QUALIFIED.matcher(code);
            while (q.find()) {
                targets.add(q.group(1).replaceAll("\\s", ""));
            }
            Matcher w = WILDCARD.matcher(code);
            while (w.find()) {
                targets.add(w.group(1).replaceAll("\\s", ""));
            }
            for (String to : targets) {
                if (!to.equals(from) && packages.contains(to)) {
                    edges.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new TreeSet<>())
                            .add(root.relativize(file).toString());
                }
            }
        });
        return new SourceGraph(packages, edges);
    }

    /** The graph without {@code pkg}: what is left of the cycles once they may pass through it. */
    SourceGraph without(String pkg) {
        Set<String> kept = new TreeSet<>(packages);
        kept.remove(pkg);
        Map<String, Map<String, Set<String>>> keptEdges = new TreeMap<>();
        edges.forEach((from, tos) -> {
            if (!from.equals(pkg)) {
                Map<String, Set<String>> t = new TreeMap<>(tos);
                t.remove(pkg);
                keptEdges.put(from, t);
            }
        });
        return new SourceGraph(kept, keptEdges);
    }

    /** Strongly connected components of more than one package (Tarjan), each sorted. */
    List<Set<String>> cycles() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> found = new ArrayList<>();
        for (String p : packages) {
            if (!index.containsKey(p)) {
                connect(p, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private void connect(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
                         Set<String> onStack, List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : edges.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                connect(w, index, low, stack, onStack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }

    /** The edges inside {@code component}, each with the files that make it: the evidence for a failure message. */
    String describe(Set<String> component) {
        StringBuilder b = new StringBuilder("cycle among " + component + ":");
        edges.forEach((from, tos) -> tos.forEach((to, files) -> {
            if (component.contains(from) && component.contains(to)) {
                b.append("\n  ").append(from).append(" -> ").append(to).append("  (").append(String.join(", ", files))
                        .append(')');
            }
        }));
        return b.toString();
    }

    /**
     * The source with comments, string and character literals (text blocks included) blanked out, line breaks kept,
     * so that only code is searched for references.
     */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(source, i, end, out);
                i = end;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < n && !source.startsWith("\"\"\"", end)) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 3);
                blank(source, i, end, out);
                i = end;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < n && source.charAt(end) != c && source.charAt(end) != '\n') {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
                out.append(' ');
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void blank(String source, int from, int to, StringBuilder out) {
        for (int j = from; j < to; j++) {
            out.append(source.charAt(j) == '\n' ? '\n' : ' ');
        }
    }
}
