package flymq.cli.output;

import java.util.List;
import java.util.Iterator;

/** How read commands print their result: an aligned table for people, or one JSON document for scripts. */
public enum OutputFormat {
    TABLE, JSON;

    /** Lower-case names for help text and shell completion. */
    public static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("table", "json").iterator();
        }
    }
}
