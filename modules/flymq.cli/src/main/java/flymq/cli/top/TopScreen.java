package flymq.cli.top;

import flymq.cli.output.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Lays out one frame of `flymq top` as text lines for a terminal of the given size. */
final class TopScreen {
    private TopScreen() {
    }

    static List<String> render(String source, TopSnapshot s, String error, int width, int height) {
        var lines = new ArrayList<String>();
        var head = "flymq top - " + source + "   connections: " + count(s == null ? Double.NaN : s.connections())
                + "   uptime: " + uptime(s == null ? Double.NaN : s.uptime());
        lines.add(head);
        if (s != null) {
            lines.add("latency p99: produce " + millis(s.produceP99()) + "   consume " + millis(s.consumeP99()));
        }
        if (error != null) {
            lines.add("! " + error);
        }
        lines.add("");
        if (s != null) {
            var topics = Table.of("TOPIC", "PRODUCE/s", "CONSUME/s", "IN B/s").numeric(1, 2, 3);
            s.topics().forEach(t -> topics.row(t.topic(), rate(t.produceRate()), rate(t.consumeRate()),
                    rate(t.produceBytesRate())));
            lines.addAll(topics.lines());
            if (s.topics().isEmpty()) {
                lines.add("(no topics)");
            }
            lines.add("");
            var groups = Table.of("GROUP", "TOPICS", "MEMBERS", "LAG").numeric(2, 3);
            s.groups().forEach(g -> groups.row(g.group(), g.topics(), count(g.members()), count(g.lag())));
            lines.addAll(groups.lines());
            if (s.groups().isEmpty()) {
                lines.add("(no consumer groups)");
            }
        }
        var out = new ArrayList<String>();
        int room = Math.max(1, height - 1);
        for (int i = 0; i < lines.size() && i < room; i++) {
            var l = lines.get(i);
            out.add(l.length() > width ? l.substring(0, Math.max(0, width)) : l);
        }
        while (out.size() < room) {
            out.add("");
        }
        out.add("q quit");
        return out;
    }

    static String rate(double v) {
        if (v >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", v / 1_000_000);
        }
        if (v >= 10_000) {
            return String.format(Locale.ROOT, "%.1fk", v / 1_000);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String count(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    static String millis(double seconds) {
        if (Double.isNaN(seconds)) {
            return "-";
        }
        double ms = seconds * 1000;
        return ms < 10 ? String.format(Locale.ROOT, "%.2f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    static String uptime(double seconds) {
        if (Double.isNaN(seconds)) {
            return "-";
        }
        var d = Duration.ofSeconds((long) seconds);
        var sb = new StringBuilder();
        if (d.toDays() > 0) {
            sb.append(d.toDays()).append('d');
        }
        if (d.toHoursPart() > 0 || sb.length() > 0) {
            sb.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0 || sb.length() > 0) {
            sb.append(d.toMinutesPart()).append('m');
        }
        return sb.append(d.toSecondsPart()).append('s').toString();
    }
}
