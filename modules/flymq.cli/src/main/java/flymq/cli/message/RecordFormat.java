package flymq.cli.message;

import flymq.client.Message;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A --format template for consumed records, in the style of kcat: {@code %t} topic, {@code %p} partition,
 * {@code %o} offset, {@code %k} key, {@code %s} value, {@code %T} timestamp (Unix ms, -1 when the broker does not
 * send one), {@code %I} timestamp as ISO-8601, {@code %h} headers as {@code name=value} joined by commas (empty
 * when the record has none), {@code %%} a percent sign; {@code \n} and {@code \t} are a newline
 * and a tab.
 */
final class RecordFormat {
    private final String template;

    RecordFormat(String template) {
        this.template = template.replace("\\n", "\n").replace("\\t", "\t");
        validate();
    }

    private void validate() {
        for (int i = 0; i < template.length(); i++) {
            if (template.charAt(i) == '%') {
                if (i + 1 >= template.length() || "tpokTsIh%".indexOf(template.charAt(i + 1)) < 0) {
                    throw new IllegalArgumentException("bad --format '" + template + "': '%"
                            + (i + 1 < template.length() ? template.charAt(i + 1) : "")
                            + "' is not one of %t %p %o %k %s %T %I %h %%");
                }
                i++;
            }
        }
    }

    String apply(Message m) {
        var sb = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            char f = template.charAt(++i);
            switch (f) {
                case 't' -> sb.append(m.topic());
                case 'p' -> sb.append(m.partition());
                case 'o' -> sb.append(m.offset());
                case 'k' -> sb.append(m.keyAsString());
                case 's' -> sb.append(m.valueAsString());
                case 'T' -> sb.append(m.timestamp());
                case 'I' -> sb.append(m.timestamp() < 0 ? "-" : Instant.ofEpochMilli(m.timestamp()).toString());
                case 'h' -> {
                    for (int h = 0; h < m.headers().size(); h++) {
                        var header = m.headers().get(h);
                        sb.append(h == 0 ? "" : ",").append(header.key()).append('=')
                                .append(new String(header.value(), StandardCharsets.UTF_8));
                    }
                }
                default -> sb.append('%');
            }
        }
        return sb.toString();
    }
}
