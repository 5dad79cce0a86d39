package flymq.broker.auth;

/** What a role grants (wire spec 10.2): {@link #wire()} is the name WHOAMI, USER_GET and ROLE_LIST carry. */
public enum Permission {
    READ("read"),
    WRITE("write"),
    ADMIN("admin");

    private final String wire;

    Permission(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
