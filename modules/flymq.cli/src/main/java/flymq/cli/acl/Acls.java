package flymq.cli.acl;

import flymq.cli.output.Json;
import java.util.List;
import java.util.Map;

/** The JSON form of one ACL, shared by the acl commands. */
final class Acls {
    private Acls() {
    }

    static Map<String, Object> json(String topic, boolean exists, boolean isPublic, List<String> users,
                                    List<String> roles) {
        return Json.object("topic", topic, "exists", exists, "public", isPublic, "users", users, "roles", roles);
    }
}
