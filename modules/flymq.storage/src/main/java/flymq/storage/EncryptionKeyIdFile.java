package flymq.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The file {@value #NAME} in the logs directory: the id of the key the logs are encrypted with, 8 hexadecimal
 * digits and a newline ({@link EncryptionKey#idHex()}), written atomically when a key is first used on the
 * directory. Its absence means the logs were never encrypted. Start-up compares it with the key given, so a wrong
 * or missing key stops the broker with a message naming both ids before any record is read, rather than at the
 * first fetch. Each sealed value carries the id too ({@link ValueCipher}), so a file copied in
 * from elsewhere is still caught record by record.
 *
 * <p>Turning encryption off on a directory that has the file is refused: its older records could not be read.
 * Turning it on over plain logs is allowed: old records stay plain (attribute 0x08 unset) and are read as such.
 */
public final class EncryptionKeyIdFile {

    public static final String NAME = "encryption-key-id";

    private EncryptionKeyIdFile() {}

    /**
     * Checks {@code key} (null: encryption off) against the id stored in {@code logsDir}, storing it on first use.
     * After a rotation (the stored id is one of {@code key}'s previous keys) the new key's id is stored: the
     * directory now holds records under it, and records under the older keys, which need them in the ring.
     *
     * @throws EncryptionException when the ids differ, or the logs are encrypted and no key is given
     */
    public static void check(Path logsDir, EncryptionKey key) {
        AtomicFile file = new AtomicFile(logsDir.resolve(NAME));
        Optional<String> stored = file.read().map(b -> new String(b, StandardCharsets.US_ASCII).strip());
        if (stored.isEmpty()) {
            if (key != null) {
                file.write((key.idHex() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            return;
        }
        String id = stored.get();
        if (key == null) {
            throw new EncryptionException("the logs in " + logsDir + " hold records encrypted at rest with key id "
                    + id + " (" + file.path() + ") and no encryption key is given");
        }
        if (id.equalsIgnoreCase(key.idHex())) {
            return;
        }
        boolean inRing = key.previous().stream().anyMatch(k -> k.idHex().equalsIgnoreCase(id));
        if (!inRing) {
            throw new EncryptionException("wrong encryption key: the logs in " + logsDir
                    + " were encrypted with key id " + id + " (" + file.path() + "), the key given has id "
                    + key.idHex() + (key.previous().isEmpty() ? "" : " and the previous keys given have ids "
                    + String.join(" ", key.previous().stream().map(EncryptionKey::idHex).toList())));
        }
        // a rotation: from now on new records are sealed under the new key, so a start without it must fail here
        file.write((key.idHex() + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
