package flymq.broker;

import flymq.raft.transport.ClusterAuth;
import flymq.storage.EncryptionKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the broker's secrets come from: an environment variable or a file named in the configuration, never the
 * configuration file itself (which tends to be checked in, copied and printed), as upstream FlyMQ does. A Kubernetes
 * secret fits either way (as an env var, or mounted as a file). A secret's text is never logged or put in an error
 * message; a file that others can read gets a warning.
 */
final class SecretSources {

    static final String ENCRYPTION_KEY_ENV = "FLYMQ_ENCRYPTION_KEY";
    /** Upstream's switch for encryption at rest, read next to {@code security.encryption_enabled}. */
    static final String UPSTREAM_ENCRYPTION_ENABLED_ENV = "FLYMQ_ENCRYPTION_ENABLED";
    static final String CLUSTER_SECRET_ENV = "FLYMQ_CLUSTER_SECRET";
    static final String PREVIOUS_KEYS_ENV = "FLYMQ_ENCRYPTION_PREVIOUS_KEYS";

    private SecretSources() {}

    /**
     * The key for encryption at rest, or null when encryption is off.
     *
     * @throws ConfigException when encryption is on and no usable key is given
     */
    static EncryptionKey encryptionKey(boolean enabled, String keyFile, Map<String, String> env,
                                       List<String> warnings) {
        String text = secret(ENCRYPTION_KEY_ENV, "security.encryption_key_file", keyFile, env, warnings);
        if (!enabled) {
            if (text != null) {
                warnings.add("an encryption key is given (" + ENCRYPTION_KEY_ENV + " or security.encryption_key_file)"
                        + " but security.encryption_enabled is false: records are stored in the clear");
            }
            return null;
        }
        if (text == null) {
            throw new ConfigException("security.encryption_enabled is true but no key is given: set "
                    + ENCRYPTION_KEY_ENV + " or security.encryption_key_file to 64 hexadecimal characters (e.g. from "
                    + "'openssl rand -hex 32'); the key is never read from the configuration file");
        }
        try {
            return EncryptionKey.fromHex(text,
                    keyFile.isEmpty() ? ENCRYPTION_KEY_ENV : "security.encryption_key_file " + keyFile);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * How cluster connections are authenticated: with the shared secret when one is given (its UTF-8 bytes, at least
     * {@value ClusterAuth#MIN_SECRET_BYTES}), else not at all.
     */
    static ClusterAuth clusterAuth(String secretFile, Map<String, String> env, List<String> warnings) {
        String text = secret(CLUSTER_SECRET_ENV, "cluster.secret_file", secretFile, env, warnings);
        if (text == null) {
            return ClusterAuth.NONE;
        }
        byte[] secret = text.getBytes(StandardCharsets.UTF_8);
        if (secret.length < ClusterAuth.MIN_SECRET_BYTES) {
            throw new ConfigException("the cluster secret (" + (secretFile.isEmpty() ? CLUSTER_SECRET_ENV
                    : "cluster.secret_file " + secretFile) + ") must be at least " + ClusterAuth.MIN_SECRET_BYTES
                    + " bytes, found " + secret.length + " (e.g. 'openssl rand -hex 32')");
        }
        return ClusterAuth.sharedSecret(secret);
    }

    /**
     * {@code key} with the keys of earlier rotations from {@code FLYMQ_ENCRYPTION_PREVIOUS_KEYS} or the file (64
     * hexadecimal characters each, separated by white space or commas; lines starting with '#' are comments), for
     * reading what they sealed; {@code key} itself when none are given.
     */
    static EncryptionKey withPreviousKeys(EncryptionKey key, String file, Map<String, String> env,
                                          List<String> warnings) {
        String fileKey = "security.encryption_previous_keys_file";
        String text = secret(PREVIOUS_KEYS_ENV, fileKey, file, env, warnings);
        if (text == null) {
            return key;
        }
        if (key == null) {
            warnings.add("previous encryption keys are given (" + PREVIOUS_KEYS_ENV + " or " + fileKey
                    + ") but encryption at rest is off: they are not used");
            return null;
        }
        String source = file.isEmpty() ? PREVIOUS_KEYS_ENV : fileKey + " " + file;
        List<EncryptionKey> previous = new java.util.ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.strip().startsWith("#")) {
                continue;
            }
            for (String word : line.split("[\\s,]+")) {
                if (!word.isEmpty()) {
                    try {
                        previous.add(EncryptionKey.fromHex(word, source + " (key " + (previous.size() + 1) + ")"));
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException(e.getMessage());
                    }
                }
            }
        }
        if (previous.isEmpty()) {
            throw new ConfigException(source + " holds no key");
        }
        return key.withPrevious(previous);
    }

    /** The secret's text from {@code envName} or the file, stripped; null when neither is given. */
    static String secret(String envName, String fileKey, String file, Map<String, String> env,
                         List<String> warnings) {
        String fromEnv = env.get(envName);
        if (fromEnv != null && fromEnv.isBlank()) {
            fromEnv = null;
        }
        if (fromEnv != null && !file.isEmpty()) {
            throw new ConfigException("both " + envName + " and " + fileKey + " are given: give one");
        }
        if (fromEnv != null) {
            return fromEnv.strip();
        }
        if (file.isEmpty()) {
            return null;
        }
        Path path = Path.of(file);
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigException("cannot read " + fileKey + " " + path + ": " + e.getMessage(), e);
        }
        if (text.isEmpty()) {
            throw new ConfigException(fileKey + " " + path + " is empty");
        }
        String mode = openMode(path);
        if (mode != null) {
            warnings.add(fileKey + " " + path + " can be read by other users (" + mode + "): chmod 600 it");
        }
        return text;
    }

    /** The file's mode when group or others have any access to it, else null (also when modes are unknown). */
    private static String openMode(Path path) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    return PosixFilePermissions.toString(perms);
                }
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
