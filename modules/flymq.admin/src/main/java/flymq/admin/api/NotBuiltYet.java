package flymq.admin.api;

import flymq.admin.AdminException;
import flymq.admin.Authenticator.Access;
import java.util.List;

/**
 * Upstream's endpoints for features this broker does not have yet. Each answers 501 with the JSON error shape and
 * is documented as such, so clients and the console can tell "not built" from "not found". When a feature lands,
 * its engineer deletes its rows here and adds real routes to {@link ApiRoutes} (the OpenAPI test then checks them).
 */
final class NotBuiltYet {

    /** One endpoint: verb, template, access it will need, and the feature that will serve it. */
    record Row(String method, String template, Access access, String tag, String summary, String feature) {
    }

    /** Empty since partition reassignment and rebalance landed; the mechanism stays for the next upstream feature. */
    static final List<Row> ROWS = List.of();

    private NotBuiltYet() {
    }

    static Route route(Row row) {
        return new Route(row.method(), row.template(), row.access(),
                new Route.Doc(row.tag(), row.summary() + " (not built yet: answers 501)", java.util.Map.of(), null,
                        List.of(new Route.Response(501, "Error", "not built yet: " + row.feature())),
                        "application/json"),
                call -> {
                    throw new AdminException(501, "not_implemented", row.method() + " " + row.template()
                            + " needs " + row.feature() + ", which this broker does not have yet");
                });
    }
}
