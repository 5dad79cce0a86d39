package flymq.cli.metrics;

import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import flymq.cli.http.HttpEndpoint;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `flymq metrics`: the Prometheus scrape, readable in a terminal. */
@Command(name = "metrics",
        header = "Print the broker's Prometheus metrics as a table.",
        description = {
            "",
            "Fetches --metrics-url (default http://localhost:9094/metrics) and prints one row per series: "
                    + "family, type, labels and value. Histograms are folded into one row per label set showing "
                    + "count, sum and an estimated p99 (interpolated inside its bucket, like PromQL's "
                    + "histogram_quantile). With --output json every sample is printed as scraped.",
            "",
            "Examples:",
            "  flymq metrics --grep produced",
            "  flymq metrics --grep topic=orders --output json",
            ""},
        mixinStandardHelpOptions = true)
public final class MetricsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--grep", paramLabel = "TEXT",
            description = "Only families whose name contains TEXT, or series whose labels contain it "
                    + "(as name=value); case-insensitive.")
    String grep;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        var answer = new HttpEndpoint("the metrics endpoint", g.tls()).get(g.metricsUrl());
        if (!answer.ok()) {
            throw CliException.failed("the metrics endpoint " + g.metricsUrl() + " answered HTTP " + answer.status()
                    + "; is --metrics-url right?");
        }
        Exposition scrape;
        try {
            scrape = Exposition.parse(answer.body());
        } catch (IllegalArgumentException e) {
            throw CliException.failed(g.metricsUrl() + " did not serve Prometheus text: " + e.getMessage());
        }
        var families = filter(scrape.families(), grep);
        if (g.json()) {
            g.out().println(Json.write(Json.object("url", g.metricsUrl().toString(), "families", json(families))));
        } else {
            table(families).print(g.out());
        }
        g.out().flush();
        return ExitCode.OK;
    }

    static List<Exposition.Family> filter(List<Exposition.Family> families, String grep) {
        if (grep == null || grep.isBlank()) {
            return families;
        }
        var needle = grep.toLowerCase(Locale.ROOT);
        var out = new ArrayList<Exposition.Family>();
        for (var f : families) {
            if (f.name().toLowerCase(Locale.ROOT).contains(needle)) {
                out.add(f);
                continue;
            }
            var samples = f.samples().stream().filter(s -> labelText(s.labels()).toLowerCase(Locale.ROOT)
                    .contains(needle)).toList();
            if (!samples.isEmpty()) {
                out.add(new Exposition.Family(f.name(), f.type(), f.help(), samples));
            }
        }
        return out;
    }

    static Table table(List<Exposition.Family> families) {
        var table = Table.of("FAMILY", "TYPE", "LABELS", "VALUE");
        for (var f : families) {
            if (f.type().equals("histogram")) {
                histogramRows(f, table);
                continue;
            }
            for (var s : f.samples()) {
                var name = s.name().equals(f.name()) ? f.name() : s.name();
                table.row(name, f.type(), labelText(s.labels()), number(s.value()));
            }
        }
        return table;
    }

    private static void histogramRows(Exposition.Family f, Table table) {
        var buckets = new LinkedHashMap<String, List<Exposition.Sample>>();
        var sums = new TreeMap<String, Double>();
        var counts = new TreeMap<String, Double>();
        for (var s : f.samples()) {
            var labels = new TreeMap<>(s.labels());
            labels.remove("le");
            var key = labelText(labels);
            if (s.name().endsWith("_bucket")) {
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_sum")) {
                sums.put(key, s.value());
            } else if (s.name().endsWith("_count")) {
                counts.put(key, s.value());
            }
        }
        var keys = new java.util.LinkedHashSet<String>(buckets.keySet());
        keys.addAll(counts.keySet());
        for (var key : keys) {
            double p99 = Exposition.quantile(0.99, Exposition.buckets(buckets.getOrDefault(key, List.of())));
            table.row(f.name(), "histogram", key, "count=" + number(counts.getOrDefault(key, 0.0))
                    + " sum=" + number(sums.getOrDefault(key, 0.0))
                    + " p99=" + (Double.isNaN(p99) ? "-" : number(p99)));
        }
    }

    static List<Object> json(List<Exposition.Family> families) {
        var list = new ArrayList<Object>();
        for (var f : families) {
            var samples = new ArrayList<Object>();
            for (var s : f.samples()) {
                samples.add(Json.object("name", s.name(), "labels", new TreeMap<>(s.labels()), "value",
                        jsonNumber(s.value())));
            }
            list.add(Json.object("name", f.name(), "type", f.type(), "help", f.help(), "samples", samples));
        }
        return list;
    }

    private static Object jsonNumber(double v) {
        if (Double.isInfinite(v) || Double.isNaN(v)) {
            return Double.toString(v).replace("Infinity", "Inf");
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
    }

    static String labelText(Map<String, String> labels) {
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** Integers without a decimal point, others with up to 6 significant digits. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e")
                .replaceAll("\\.$", "");
    }
}
