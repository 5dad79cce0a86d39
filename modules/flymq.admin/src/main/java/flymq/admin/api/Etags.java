package flymq.admin.api;

import flymq.admin.AdminException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Entity tags of resources a write could race on (a topic deleted and re-created under the same name, a group's
 * offsets moved by its consumers): a reader sends the tag back in {@code If-Match} and the write is refused with
 * 412 when the resource changed in between. A write without {@code If-Match} is not checked.
 */
final class Etags {
    private Etags() {
    }

    /** A strong tag over the resource's identity and state, written as text. */
    static String of(String state) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(state.getBytes(StandardCharsets.UTF_8));
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Refuses the call with 412 when it carries {@code If-Match} and no tag in it is {@code current} ({@code *}
     * matches any existing resource).
     */
    static void requireMatch(Call call, String current) {
        Optional<String> ifMatch = call.header("If-Match");
        if (ifMatch.isEmpty()) {
            return;
        }
        for (String tag : ifMatch.get().split(",")) {
            String t = tag.trim();
            if (t.equals("*") || t.equals(current)) {
                return;
            }
        }
        throw new AdminException(412, "precondition_failed", "the resource changed since it was read: If-Match "
                + ifMatch.get() + " but its ETag is now " + current);
    }
}
