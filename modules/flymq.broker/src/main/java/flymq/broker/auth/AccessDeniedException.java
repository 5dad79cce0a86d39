package flymq.broker.auth;

import flymq.protocol.RequestException;

/**
 * A request refused by the authorization check. The message starts with upstream's text (wire spec 10.3:
 * {@code authentication required}, {@code unauthorized}, {@code user account is disabled}), which the SDKs and our
 * client look for, and goes on with what was asked and what was missing. Answered as a structured ERROR frame.
 */
public final class AccessDeniedException extends RequestException {
    public static final String AUTHENTICATION_REQUIRED = "authentication required";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String DISABLED = "user account is disabled";

    private final String reason;

    AccessDeniedException(String reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    /** One of the three upstream texts. */
    public String reason() {
        return reason;
    }
}
