package flymq.telemetry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed Prometheus text exposition: family types and help, and every sample with its labels. */
final class Exposition {
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    final Map<String, String> types = new HashMap<>();
    final Map<String, String> help = new HashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static Exposition parse(String text) {
        Exposition e = new Exposition();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ", 4);
                e.types.put(p[2], p[3]);
            } else if (line.startsWith("# HELP ")) {
                String[] p = line.split(" ", 4);
                e.help.put(p[2], p.length > 3 ? p[3] : "");
            } else if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = SAMPLE.matcher(line.trim());
                if (!m.matches()) {
                    throw new AssertionError("not a sample line: " + line);
                }
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(3) != null) {
                    Matcher l = LABEL.matcher(m.group(3));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                e.samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
            }
        }
        return e;
    }

    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The value of the one sample of {@code name} whose labels include all of {@code labels}. */
    double value(String name, Map<String, String> labels) {
        List<Sample> hits = samples(name).stream()
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).toList();
        if (hits.size() != 1) {
            throw new AssertionError("expected one sample " + name + labels + ", found " + hits);
        }
        return hits.get(0).value();
    }
}
