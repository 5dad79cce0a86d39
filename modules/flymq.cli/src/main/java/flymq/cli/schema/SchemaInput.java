package flymq.cli.schema;

import flymq.cli.CliException;
import flymq.cli.ExitCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A definition or record given inline or as a file: exactly one of the two. */
final class SchemaInput {
    private SchemaInput() {
    }

    static byte[] read(String inline, Path file, String what) {
        if ((inline == null) == (file == null)) {
            throw new CliException(ExitCode.USAGE, "give the " + what + " either inline or with --file, not "
                    + (inline == null ? "neither" : "both"));
        }
        if (inline != null) {
            return inline.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw CliException.failed("cannot read " + file + ": " + e.getMessage());
        }
    }
}
