package flymq.admin;

/**
 * A refusal the API answers with its own status and a stable {@code code} (the JSON error shape of
 * docs/admin-api.md): the backend throws these, the routes turn them into responses.
 */
public final class AdminException extends RuntimeException {
    private final int status;
    private final String code;

    public AdminException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static AdminException badRequest(String message) {
        return new AdminException(400, "bad_request", message);
    }

    public static AdminException notFound(String message) {
        return new AdminException(404, "not_found", message);
    }

    public static AdminException conflict(String message) {
        return new AdminException(409, "conflict", message);
    }

    /** The cluster cannot decide now (no leader, busy): worth retrying. */
    public static AdminException unavailable(String message) {
        return new AdminException(503, "unavailable", message);
    }
}
