package flymq.broker.schema;

import flymq.storage.AtomicFile;
import java.nio.file.Path;

/**
 * A single node's schema registry file, {@code schemas.json} (named in {@code DataDirLayout}): the whole registry in
 * {@link SchemaSnapshot}'s form, replaced atomically ({@link AtomicFile}: temp file, fsync, rename) on every change,
 * before the change is answered. Absent: an empty registry.
 */
public final class SchemaStore {
    private final AtomicFile file;

    public SchemaStore(Path path) {
        this.file = new AtomicFile(path);
    }

    SchemaRegistry.State load() {
        return file.read().map(b -> SchemaSnapshot.decode(b, file.path().toString()))
                .orElse(SchemaRegistry.State.EMPTY);
    }

    void save(byte[] snapshot) {
        file.write(snapshot);
    }
}
