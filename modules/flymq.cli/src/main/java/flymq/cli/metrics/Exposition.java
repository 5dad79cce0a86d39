package flymq.cli.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed Prometheus text exposition (format 0.0.4, which Helidon serves on /metrics):
 * {@code # HELP name text}, {@code # TYPE name counter|gauge|histogram|summary|untyped}, and sample lines
 * {@code name{label="value",...} value [timestamp]}. Samples named {@code x_bucket}, {@code x_sum},
 * {@code x_count} (and {@code x_total}, {@code x_created}) belong to family {@code x} when x was declared.
 * OpenMetrics' {@code # EOF} and exemplars ({@code # {...} v}) are tolerated and ignored.
 */
public record Exposition(List<Family> families) {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.getOrDefault(key, "");
        }
    }

    /** A metric family: its declared name, type, help, and samples in exposition order. */
    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    public static Exposition parse(String text) {
        var families = new LinkedHashMap<String, Family>();
        int lineNo = 0;
        for (var raw : text.split("\n")) {
            lineNo++;
            var line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                var parts = line.split("\\s+", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    var name = parts[2];
                    var rest = parts.length == 4 ? parts[3] : "";
                    var f = families.computeIfAbsent(name, n -> new Family(n, "untyped", "", new ArrayList<>()));
                    families.put(name, parts[1].equals("HELP")
                            ? new Family(f.name(), f.type(), unescapeHelp(rest), f.samples())
                            : new Family(f.name(), rest.strip(), f.help(), f.samples()));
                }
                continue;
            }
            var sample = parseSample(line, lineNo);
            var familyName = familyOf(sample.name(), families);
            families.computeIfAbsent(familyName, n -> new Family(n, "untyped", "", new ArrayList<>()))
                    .samples().add(sample);
        }
        return new Exposition(List.copyOf(families.values()));
    }

    private static String familyOf(String sampleName, Map<String, Family> families) {
        if (families.containsKey(sampleName)) {
            return sampleName;
        }
        for (var suffix : List.of("_bucket", "_sum", "_count", "_total", "_created", "_gcount", "_gsum")) {
            if (sampleName.endsWith(suffix)) {
                var base = sampleName.substring(0, sampleName.length() - suffix.length());
                if (families.containsKey(base)) {
                    return base;
                }
            }
        }
        return sampleName;
    }

    static Sample parseSample(String line, int lineNo) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        var name = line.substring(0, i);
        var labels = new LinkedHashMap<String, String>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                    i++;
                }
                if (i >= line.length()) {
                    throw bad(lineNo, line, "unterminated label set");
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw bad(lineNo, line, "expected label=\"value\"");
                }
                var key = line.substring(i, eq).strip();
                var value = new StringBuilder();
                int j = eq + 2;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\' && j + 1 < line.length()) {
                        char e = line.charAt(++j);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                if (j >= line.length()) {
                    throw bad(lineNo, line, "unterminated label value");
                }
                labels.put(key, value.toString());
                i = j + 1;
            }
        }
        var rest = line.substring(i).strip();
        int hash = rest.indexOf(" #");
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        var fields = rest.split("\\s+");
        if (name.isEmpty() || fields.length == 0 || fields[0].isEmpty()) {
            throw bad(lineNo, line, "expected 'name value'");
        }
        return new Sample(name, Map.copyOf(labels), parseValue(fields[0], lineNo, line));
    }

    private static double parseValue(String v, int lineNo, String line) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw bad(lineNo, line, "'" + v + "' is not a number");
                }
            }
        };
    }

    private static String unescapeHelp(String s) {
        return s.replace("\\n", "\n").replace("\\\\", "\\");
    }

    private static IllegalArgumentException bad(int lineNo, String line, String why) {
        return new IllegalArgumentException("metrics line " + lineNo + " unreadable (" + why + "): " + line);
    }

    public Family family(String name) {
        for (var f : families) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** Samples of the exact sample name (e.g. "flymq_produce_latency_seconds_bucket") in any family. */
    public List<Sample> samples(String sampleName) {
        var out = new ArrayList<Sample>();
        for (var f : families) {
            for (var s : f.samples()) {
                if (s.name().equals(sampleName)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Samples of a counter under either naming (with or without the _total suffix). */
    public List<Sample> counter(String name) {
        var list = samples(name);
        if (list.isEmpty() && name.endsWith("_total")) {
            list = samples(name.substring(0, name.length() - "_total".length()));
        } else if (list.isEmpty()) {
            list = samples(name + "_total");
        }
        return list;
    }

    /** Sums the values of samples, grouped by the value of one label ("" when absent). */
    public static Map<String, Double> sumBy(List<Sample> samples, String label) {
        var out = new LinkedHashMap<String, Double>();
        for (var s : samples) {
            if (!Double.isNaN(s.value())) {
                out.merge(s.label(label), s.value(), Double::sum);
            }
        }
        return out;
    }

    /**
     * The q-quantile of a cumulative histogram given its bucket samples (le label), by linear interpolation
     * inside the bucket that contains it, as Prometheus' histogram_quantile does. NaN when there are no counts.
     */
    public static double quantile(double q, Map<Double, Double> cumulativeByUpperBound) {
        var bounds = new ArrayList<>(cumulativeByUpperBound.keySet());
        bounds.sort(Double::compare);
        if (bounds.isEmpty()) {
            return Double.NaN;
        }
        double total = cumulativeByUpperBound.get(bounds.getLast());
        if (!(total > 0)) {
            return Double.NaN;
        }
        double rank = q * total;
        double prevBound = 0;
        double prevCount = 0;
        for (var b : bounds) {
            double count = cumulativeByUpperBound.get(b);
            if (count >= rank) {
                if (b.isInfinite()) {
                    return prevBound;
                }
                double inBucket = count - prevCount;
                return inBucket <= 0 ? b : prevBound + (b - prevBound) * (rank - prevCount) / inBucket;
            }
            prevBound = b;
            prevCount = count;
        }
        return prevBound;
    }

    /** Adds up histogram buckets across label sets (all topics, say) into le -> cumulative count. */
    public static Map<Double, Double> buckets(List<Sample> bucketSamples) {
        var out = new java.util.TreeMap<Double, Double>();
        for (var s : bucketSamples) {
            var le = s.labels().get("le");
            if (le == null) {
                continue;
            }
            double bound = le.equals("+Inf") || le.equals("Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            out.merge(bound, s.value(), Double::sum);
        }
        return out;
    }
}
