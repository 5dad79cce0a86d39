package flymq.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an image tarball as {@code podman load} does: the OCI layout ({@code index.json} -> manifest -> config and
 * layer blobs) or, failing that, the Docker {@code manifest.json}. Gives the image configuration, each layer's
 * compressed size and the file entries of every layer.
 */
final class ImageTarball {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One file of a layer as the tar header has it. */
    record Entry(String path, int mode, long uid, long gid, long size, boolean directory, boolean symlink) { }

    /** A layer: its blob name in the tarball, compressed size, entries by path. */
    record Layer(String blob, long compressedBytes, Map<String, Entry> entries) { }

    private final JsonNode config;
    private final List<Layer> layers;
    private final long configBytes;
    private final String id;

    private ImageTarball(JsonNode config, long configBytes, String id, List<Layer> layers) {
        this.config = config;
        this.configBytes = configBytes;
        this.id = id;
        this.layers = layers;
    }

    static ImageTarball read(Path tar) throws IOException {
        Map<String, byte[]> small = new HashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        // first pass: names, sizes and the small JSON files
        try (var in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                sizes.put(strip(e.getName()), e.getSize());
                if (e.getSize() < 1 << 20) {
                    small.put(strip(e.getName()), in.readAllBytes());
                }
            }
        }
        String configName;
        List<String> layerNames = new ArrayList<>();
        if (small.containsKey("index.json")) {
            JsonNode index = JSON.readTree(small.get("index.json"));
            JsonNode manifest = JSON.readTree(small.get(blob(index.path("manifests").get(0).path("digest").asText())));
            configName = blob(manifest.path("config").path("digest").asText());
            for (JsonNode l : manifest.path("layers")) {
                layerNames.add(blob(l.path("digest").asText()));
            }
        } else {
            JsonNode manifest = JSON.readTree(small.get("manifest.json")).get(0);
            configName = manifest.path("Config").asText();
            for (JsonNode l : manifest.path("Layers")) {
                layerNames.add(l.asText());
            }
        }
        JsonNode config = JSON.readTree(small.get(configName));
        Map<String, Map<String, Entry>> entries = new LinkedHashMap<>();
        try (var in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                String name = strip(e.getName());
                if (layerNames.contains(name)) {
                    entries.put(name, layerEntries(in));
                }
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (String name : layerNames) {
            layers.add(new Layer(name, sizes.get(name), entries.get(name)));
        }
        String id;
        try {
            id = java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(small.get(configName)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new ImageTarball(config, sizes.get(configName), id, layers);
    }

    private static Map<String, Entry> layerEntries(InputStream blob) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        var layer = new TarArchiveInputStream(new GZIPInputStream(new NonClosing(blob)));
        for (TarArchiveEntry e; (e = layer.getNextEntry()) != null; ) {
            String path = "/" + strip(e.getName());
            if (path.endsWith("/") && path.length() > 1) {
                path = path.substring(0, path.length() - 1);
            }
            out.put(path, new Entry(path, e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), e.getSize(),
                    e.isDirectory(), e.isSymbolicLink()));
        }
        return out;
    }

    private static String blob(String digest) {
        return "blobs/" + digest.replace(':', '/');
    }

    private static String strip(String name) {
        return name.startsWith("./") ? name.substring(2) : name;
    }

    /** The image id: the SHA-256 of its configuration, as podman and docker name a loaded image. */
    String id() {
        return id;
    }

    JsonNode config() {
        return config.path("config");
    }

    JsonNode rawConfig() {
        return config;
    }

    List<Layer> layers() {
        return layers;
    }

    /** What a registry would store and a pull would download: the compressed layers and the configuration. */
    long compressedBytes() {
        return configBytes + layers.stream().mapToLong(Layer::compressedBytes).sum();
    }

    /** The entry of that path in the topmost layer that has it. */
    Entry entry(String path) {
        Entry found = null;
        for (Layer l : layers) {
            Entry e = l.entries().get(path);
            if (e != null) {
                found = e;
            }
        }
        return found;
    }

    /** Extracts every layer's regular files and directories under {@code root}, with their modes. */
    void extract(Path tar, Path root) throws IOException {
        List<String> names = layers.stream().map(Layer::blob).toList();
        try (var in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (!names.contains(strip(e.getName()))) {
                    continue;
                }
                var layer = new TarArchiveInputStream(new GZIPInputStream(new NonClosing(in)));
                for (TarArchiveEntry f; (f = layer.getNextEntry()) != null; ) {
                    Path target = root.resolve(strip(f.getName())).normalize();
                    if (!target.startsWith(root)) {
                        throw new IOException("layer entry outside the root: " + f.getName());
                    }
                    if (f.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (f.isFile()) {
                        Files.createDirectories(target.getParent());
                        Files.copy(layer, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        continue;
                    }
                    Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString(
                            permissions(f.getMode() | 0200)));
                }
            }
        }
    }

    private static String permissions(int mode) {
        String rwx = "rwxrwxrwx";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }

    /** Lets a nested stream be read to its end without closing the outer tar. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
