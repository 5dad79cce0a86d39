package flymq.cli;

import flymq.protocol.Acks;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --acks} of every command reads {@link Acks#parse}, the spellings the broker's {@code performance.acks}
 * key accepts, so one word means the same in a flag, a configuration file and an environment variable.
 */
public final class AcksConverter implements ITypeConverter<Acks> {
    @Override
    public Acks convert(String value) {
        try {
            return Acks.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** Shell completion offers the spellings of configuration files ({@code none leader all}), not enum names. */
    public static final class Spellings implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Acks.values()).map(Acks::spelling).iterator();
        }
    }
}
