package flymq.broker.auth;

import flymq.broker.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks a password against the configured bootstrap admin password ({@code auth.admin_password}). Both sides are
 * hashed with SHA-256 first so that {@link MessageDigest#isEqual} compares equal lengths in constant time and the
 * comparison says nothing about the configured password's length. An empty configured or given password never
 * matches.
 */
final class BootstrapPassword {
    private BootstrapPassword() {
    }

    static boolean matches(BrokerConfig.Auth settings, String password) {
        String configured = settings.adminPassword();
        if (configured.isEmpty() || password.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(sha256(configured), sha256(password));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
