package flymq.broker.node;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies {@code log_level} to the {@code flymq} logger tree (System.Logger is backed by java.util.logging here),
 * keeps Helidon and MicroRaft to warnings unless it is {@code debug}, and lowers the root handlers' thresholds when
 * needed so that {@code debug} actually prints.
 */
final class LogLevels {
    /** Held so the configured logger is not collected and its level forgotten. */
    private static final Logger FLYMQ = Logger.getLogger("flymq");
    /**
     * Helidon announces every listener, feature and stop at INFO; at any level but debug it keeps to warnings, so a
     * start prints the broker's own lines and a failed start one line, not a page of the web server's.
     */
    private static final Logger HELIDON = Logger.getLogger("io.helidon");
    /**
     * MicroRaft (through slf4j-jdk14) logs every step of every election and a multi-line report per group at INFO:
     * a node creating 1,000 topics of 3 partitions wrote 3 to 5 million lines in 7 minutes, every worker of the
     * shared Raft threads queuing on the console handler's lock, and an awake group kept adding a report a second.
     * FlyMQ's own metrics and spans carry elections, leaders and commits; MicroRaft's INFO lines print at debug.
     */
    private static final Logger MICRORAFT = Logger.getLogger("io.microraft");

    private LogLevels() {
    }

    static void apply(String level) {
        Level jul = switch (level) {
            case "debug" -> Level.FINE;
            case "warn" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> Level.INFO;
        };
        FLYMQ.setLevel(jul);
        Level quiet = jul == Level.FINE ? Level.INFO : jul.intValue() > Level.WARNING.intValue() ? jul
                : Level.WARNING;
        HELIDON.setLevel(quiet);
        MICRORAFT.setLevel(quiet);
        for (Handler h : Logger.getLogger("").getHandlers()) {
            if (h.getLevel().intValue() > jul.intValue()) {
                h.setLevel(jul);
            }
        }
    }
}
