package flymq.cli;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where to start reading or where to reset a group: {@code earliest}, {@code latest}, {@code commit}, an offset,
 * or a time. A plain number below 10^12 is an offset; from 10^12 on it is a Unix time in milliseconds (10^12 ms is
 * September 2001, and no partition holds that many records); ISO-8601 instants and dates are times too.
 *
 * @param kind   what the value means
 * @param value  the offset or the time in Unix ms (0 for the named positions)
 */
public record Position(Kind kind, long value) {
    /** The kinds of position. */
    public enum Kind { EARLIEST, LATEST, COMMIT, OFFSET, TIMESTAMP }

    static final long TIMESTAMP_THRESHOLD = 1_000_000_000_000L;

    public static Position parse(String text) {
        var t = text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "earliest", "beginning", "start" -> {
                return new Position(Kind.EARLIEST, 0);
            }
            case "latest", "end" -> {
                return new Position(Kind.LATEST, 0);
            }
            case "commit", "committed" -> {
                return new Position(Kind.COMMIT, 0);
            }
            default -> { }
        }
        if (t.matches("\\d+")) {
            long n;
            try {
                n = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw bad(text);
            }
            return n < TIMESTAMP_THRESHOLD ? new Position(Kind.OFFSET, n) : new Position(Kind.TIMESTAMP, n);
        }
        try {
            return new Position(Kind.TIMESTAMP, Instant.parse(text.strip()).toEpochMilli());
        } catch (DateTimeParseException e) {
            // not an instant: try a date
        }
        try {
            return new Position(Kind.TIMESTAMP,
                    LocalDate.parse(text.strip()).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
            throw bad(text);
        }
    }

    private static TypeConversionException bad(String text) {
        return new TypeConversionException("'" + text + "' is not a position: use earliest, latest, commit, "
                + "an offset (e.g. 42), a Unix time in ms (e.g. 1764240000000) or an ISO time "
                + "(e.g. 2026-11-27T12:00:00Z)");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case OFFSET -> Long.toString(value);
            case TIMESTAMP -> Instant.ofEpochMilli(value).toString();
            default -> kind.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Picocli converter. */
    public static final class Converter implements ITypeConverter<Position> {
        @Override
        public Position convert(String value) {
            return parse(value);
        }
    }
}
