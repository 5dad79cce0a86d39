package flymq.broker.group;

/**
 * The string keys under which group state lives in the {@link flymq.storage.OffsetStore}
 * ({@code <data_dir>/groups/offsets.log}). Topic names in COMMIT are not validated (upstream accepts any), so the
 * topic is length-prefixed to keep keys unambiguous whatever characters it holds:
 *
 * <pre>
 *   o|&lt;topic length&gt;|&lt;topic&gt;|&lt;partition&gt;|&lt;group&gt;  -&gt; committed offset (next offset to read)
 *   g|&lt;topic length&gt;|&lt;topic&gt;|&lt;group&gt;              -&gt; rebalance count; its presence means the group exists
 * </pre>
 */
final class OffsetKeys {
    private OffsetKeys() {
    }

    record Parsed(boolean offset, String topic, int partition, String group) {
    }

    static String offsetKey(String topic, String group, int partition) {
        return "o|" + topic.length() + "|" + topic + "|" + partition + "|" + group;
    }

    static String groupKey(String topic, String group) {
        return "g|" + topic.length() + "|" + topic + "|" + group;
    }

    /** @return the parsed key, or null for a key this version does not know (kept, not interpreted) */
    static Parsed parse(String key) {
        try {
            if (key.length() < 4 || key.charAt(1) != '|') {
                return null;
            }
            char kind = key.charAt(0);
            int bar = key.indexOf('|', 2);
            int len = Integer.parseInt(key.substring(2, bar));
            int topicStart = bar + 1;
            String topic = key.substring(topicStart, topicStart + len);
            int rest = topicStart + len;
            if (key.charAt(rest) != '|') {
                return null;
            }
            if (kind == 'g') {
                return new Parsed(false, topic, -1, key.substring(rest + 1));
            }
            if (kind == 'o') {
                int bar2 = key.indexOf('|', rest + 1);
                int partition = Integer.parseInt(key.substring(rest + 1, bar2));
                return new Parsed(true, topic, partition, key.substring(bar2 + 1));
            }
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
