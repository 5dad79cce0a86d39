package flymq.broker.node;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies {@code log_level} to the {@code flymq} logger tree (System.Logger is backed by java.util.logging here) and
 * lowers the root handlers' thresholds when needed so that {@code debug} actually prints.
 */
final class LogLevels {
    /** Held so the configured logger is not collected and its level forgotten. */
    private static final Logger FLYMQ = Logger.getLogger("flymq");

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
        for (Handler h : Logger.getLogger("").getHandlers()) {
            if (h.getLevel().intValue() > jul.intValue()) {
                h.setLevel(jul);
            }
        }
    }
}
