package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layering rules of docs/architecture.md, checked on the sources of every module: the module graph is one-way
 * (cli -> {client, broker}; client -> protocol; broker -> {protocol, storage, raft, telemetry, admin}; storage ->
 * protocol, for the stored record layout that BATCH_FETCH sends to clients as it lies on disk; raft, telemetry and
 * admin know no other FlyMQ module), the broker, protocol and client packages form no cycle, and in the other
 * modules a cycle may only pass through the module's root (API) package.
 */
class ModuleLayoutTest {
    private static final Path MODULES = Path.of(System.getProperty("flymq.modules", "../modules"));

    /** The FlyMQ modules each module requires: exactly these, no more, no fewer. */
    private static final Map<String, Set<String>> MODULE_GRAPH = Map.of(
            "flymq.cli", Set.of("flymq.client", "flymq.broker"),
            "flymq.client", Set.of("flymq.protocol"),
            "flymq.broker", Set.of("flymq.protocol", "flymq.storage", "flymq.raft", "flymq.telemetry", "flymq.admin"),
            "flymq.protocol", Set.of(),
            "flymq.storage", Set.of("flymq.protocol"),
            "flymq.raft", Set.of(),
            "flymq.telemetry", Set.of(),
            "flymq.admin", Set.of());

    private static final Pattern REQUIRES = Pattern.compile(
            "\\brequires\\s+(?:(?:transitive|static)\\s+)*([\\w.]+)\\s*;");

    @Test
    void everyModuleIsInTheGraph() throws IOException {
        try (Stream<Path> dirs = Files.list(MODULES)) {
            Set<String> found = dirs.filter(d -> Files.exists(moduleInfo(d.getFileName().toString())))
                    .map(d -> d.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(MODULE_GRAPH.keySet()), found, "modules under " + MODULES.toAbsolutePath());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"flymq.cli", "flymq.client", "flymq.broker", "flymq.protocol", "flymq.storage",
            "flymq.raft", "flymq.telemetry", "flymq.admin"})
    void moduleRequiresFollowTheOneWayGraph(String module) throws IOException {
        Set<String> flymq = requires(module).stream().filter(r -> r.startsWith("flymq."))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(MODULE_GRAPH.get(module)), flymq, moduleInfo(module) + " requires");
    }

    @Test
    void clientRequiresNothingButProtocolAndTheJdk() throws IOException {
        List<String> other = requires("flymq.client").stream()
                .filter(r -> !r.equals("flymq.protocol") && !r.startsWith("java.")).toList();
        assertEquals(List.of(), other, moduleInfo("flymq.client") + " requires more than flymq.protocol and java.*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"flymq.broker", "flymq.protocol", "flymq.client"})
    void packagesFormNoCycle(String module) {
        SourceGraph graph = SourceGraph.of(mainSources(module));
        assertTrue(graph.packages().contains(module), "no package " + module + " under " + mainSources(module));
        assertEquals("", describe(graph, graph.cycles()), module + " has package cycles");
    }

    @ParameterizedTest
    @ValueSource(strings = {"flymq.cli", "flymq.storage", "flymq.raft", "flymq.telemetry", "flymq.admin"})
    void cyclesPassOnlyThroughTheRootPackage(String module) {
        SourceGraph graph = SourceGraph.of(mainSources(module));
        assertTrue(graph.packages().contains(module), "no package " + module + " under " + mainSources(module));
        SourceGraph withoutRoot = graph.without(module);
        assertEquals("", describe(withoutRoot, withoutRoot.cycles()),
                module + " has package cycles that do not pass through " + module);
    }

    // ------------------------------------------------------------- the checks themselves, on small fixtures

    @Test
    void aCycleOfImportsIsFound(@TempDir Path dir) throws IOException {
        write(dir, "a/A.java", "package a;\nimport a.b.B;\nclass A { B b; }\n");
        write(dir, "a/b/B.java", "package a.b;\nimport a.c.C;\nclass B { C c; }\n");
        write(dir, "a/c/C.java", "package a.c;\nimport a.A;\nclass C { A a; }\n");
        write(dir, "a/d/D.java", "package a.d;\nimport a.A;\nclass D { A a; }\n");

        SourceGraph graph = SourceGraph.of(dir);

        assertEquals(List.of(Set.of("a", "a.b", "a.c")), graph.cycles());
        assertTrue(graph.describe(graph.cycles().getFirst()).contains("a.c -> a  (" + Path.of("a/c/C.java") + ")"),
                graph.describe(graph.cycles().getFirst()));
    }

    @Test
    void fullyQualifiedNamesAndWildcardsAreDependencies(@TempDir Path dir) throws IOException {
        write(dir, "p/q/Q.java", "package p.q;\nclass Q { java.util.List<p.r.R> rs; }\n");
        write(dir, "p/r/R.java", "package p.r;\nimport p.q.*;\nclass R { }\n");

        assertEquals(List.of(Set.of("p.q", "p.r")), SourceGraph.of(dir).cycles());
    }

    @Test
    void commentsAndStringsAreNotDependencies(@TempDir Path dir) throws IOException {
        write(dir, "p/q/Q.java", "package p.q;\nimport p.r.R;\nclass Q { R r; }\n");
        write(dir, "p/r/R.java", """
                package p.r;
                /** Used by {@link p.q.Q}. */
                class R {
                    // p.q.Q again
                    String main = "p.q.Q";
                    char quote = '"';
                    String block = \"""
                            p.q.Q
                            \""";
                }
                """);

        SourceGraph graph = SourceGraph.of(dir);

        assertEquals(List.of(), graph.cycles());
        assertEquals(Map.of("p.q", Map.of("p.r", Set.of(Path.of("p/q/Q.java").toString()))), graph.edges());
    }

    @Test
    void aCycleThroughTheRootPackageIsAllowedAndOneBesideItIsNot(@TempDir Path dir) throws IOException {
        write(dir, "m/Api.java", "package m;\nimport m.impl.Impl;\nclass Api { Impl i; }\n");
        write(dir, "m/impl/Impl.java", "package m.impl;\nimport m.Api;\nimport m.x.X;\nclass Impl { Api a; X x; }\n");
        write(dir, "m/x/X.java", "package m.x;\nclass X { }\n");
        assertEquals(List.of(), SourceGraph.of(dir).without("m").cycles());

        write(dir, "m/x/X.java", "package m.x;\nclass X { m.impl.Impl back; }\n");
        assertEquals(List.of(Set.of("m.impl", "m.x")), SourceGraph.of(dir).without("m").cycles());
    }

    @Test
    void requiresAreReadWithTheirModifiersAndWithoutComments(@TempDir Path dir) throws IOException {
        write(dir, "module-info.java", """
                /** Needs {@code requires flymq.storage;} some day. */
                module m {
                    requires transitive flymq.protocol;
                    requires static java.sql; // requires flymq.raft;
                    exports m;
                }
                """);

        assertEquals(List.of("flymq.protocol", "java.sql"), requires(dir.resolve("module-info.java")));
    }

    // ------------------------------------------------------------- helpers

    private static Path mainSources(String module) {
        return MODULES.resolve(module).resolve("src/main/java");
    }

    private static Path moduleInfo(String module) {
        return mainSources(module).resolve("module-info.java");
    }

    private static List<String> requires(String module) throws IOException {
        return requires(moduleInfo(module));
    }

    private static List<String> requires(Path moduleInfo) throws IOException {
        Matcher m = REQUIRES.matcher(SourceGraph.code(Files.readString(moduleInfo)));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static String describe(SourceGraph graph, List<Set<String>> cycles) {
        return cycles.stream().map(graph::describe).collect(Collectors.joining("\n"));
    }

    private static void write(Path dir, String file, String source) throws IOException {
        Path path = dir.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, source);
    }
}
