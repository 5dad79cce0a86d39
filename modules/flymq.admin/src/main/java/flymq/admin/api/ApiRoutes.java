package flymq.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import flymq.admin.AdminBackend;
import flymq.admin.AdminBackend.GroupDetail;
import flymq.admin.AdminBackend.GroupPartition;
import flymq.admin.AdminBackend.PartitionAssignment;
import flymq.admin.AdminBackend.TopicDetail;
import flymq.admin.AdminBackend.TopicInfo;
import flymq.admin.AdminException;
import flymq.admin.Authenticator.Access;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routes of {@code /api/v1}: upstream FlyMQ's paths, verbs and JSON field names (snake_case), plus what the
 * console needs (messages, lag in seconds, traffic). Each route's answer is built here from the backend's records;
 * docs/admin-api.md shows every shape.
 */
public final class ApiRoutes {
    /** Most records one messages call returns. */
    static final int MAX_MESSAGES = 500;

    private final AdminBackend backend;
    private final String version;
    private final long startNanos;
    private final List<Route> routes = new ArrayList<>();

    private ApiRoutes(AdminBackend backend, String version) {
        this.backend = backend;
        this.version = version;
        this.startNanos = System.nanoTime();
    }

    /**
     * Every route: the API's own, then {@code extra} (the console's event stream), then the 501 table; the
     * OpenAPI document routes last, as they describe all of them.
     */
    public static List<Route> all(AdminBackend backend, String version, List<Route> extra) {
        ApiRoutes r = new ApiRoutes(backend, version);
        r.define();
        r.routes.addAll(extra);
        for (NotBuiltYet.Row row : NotBuiltYet.ROWS) {
            r.routes.add(NotBuiltYet.route(row));
        }
        // the document describes every route, its own three included
        java.util.concurrent.atomic.AtomicReference<List<Route>> all = new java.util.concurrent.atomic.AtomicReference<>();
        for (String path : List.of("/api/v1/openapi.json", "/api/v1/swagger.json", "/swagger.json")) {
            r.routes.add(new Route("GET", path, null, doc("API", "This API's OpenAPI 3 document", Map.of(), null,
                    ok("object", "the OpenAPI 3.0 document")), call -> call.ok(OpenApi.document(all.get(), version))));
        }
        all.set(List.copyOf(r.routes));
        return List.copyOf(r.routes);
    }

    private void define() {
        get("/api/v1/health", null, doc("Cluster", "Whether this node serves requests", Map.of(), null,
                ok("Health", "ready"), new Route.Response(503, "Health", "recovering or shutting down")), call -> {
            boolean ready = backend.cluster().ready();
            call.json(ready ? 200 : 503, Json.obj("status", ready ? "healthy" : "unavailable"));
        });
        get("/api/v1/cluster", Access.READ, doc("Cluster", "The cluster as this node sees it", Map.of(), null,
                ok("Cluster", "cluster facts and its nodes")), call -> call.ok(cluster()));
        get("/api/v1/cluster/nodes", Access.READ, doc("Cluster", "The cluster's nodes", paging(), null,
                ok("NodeList", "every node")), call -> call.ok(Pages.page(call, nodes())));
        get("/api/v1/cluster/metadata", Access.READ, doc("Cluster", "Partition to node mapping for routing",
                Map.of("topic", "only this topic"), null, ok("ClusterMetadata", "by topic")),
                call -> call.ok(metadata(call.query("topic").orElse(null))));
        get("/api/v1/cluster/partitions", Access.READ, doc("Cluster", "Every partition's replicas and leader",
                withPaging(Map.of("topic", "only this topic")), null, ok("Assignments", "assignments")), call -> {
            String topic = call.query("topic").orElse(null);
            List<Map<String, Object>> all = new ArrayList<>();
            for (PartitionAssignment a : backend.partitions()) {
                if (topic == null || topic.equals(a.topic())) {
                    all.add(assignment(a));
                }
            }
            call.ok(Json.obj("assignments", Pages.page(call, all), "count", all.size()));
        });
        Route.Doc reassignDoc = doc("Cluster", "Move a partition's replicas to other nodes, or cancel the move "
                + "(body {\"new_replicas\": [...], \"new_leader\": id} or {\"cancel\": true}); answers once the move "
                + "is recorded, GET /api/v1/cluster/reassignments follows it", Map.of(), "Reassign",
                new Route.Response(202, "ReassignAccepted", "recorded; the move runs in the background"),
                new Route.Response(400, "Error", "unknown node, no replicas, single-node broker"),
                new Route.Response(404, "Error", "no such topic or partition"),
                new Route.Response(409, "Error", "a move of the partition is already in progress"));
        route("POST", "/api/v1/cluster/partitions/{topic}/{partition}", Access.ADMIN, reassignDoc, this::reassign);
        route("POST", "/api/v1/cluster/partitions/{topic}/{partition}/reassign", Access.ADMIN, reassignDoc,
                this::reassign);
        get("/api/v1/cluster/reassignments", Access.READ, doc("Cluster", "The partition moves in progress",
                Map.of(), null, ok("ReassignmentList", "moves, from and to")), call -> call.ok(Json.obj(
                "reassignments", backend.reassignments().stream().map(ApiRoutes::move).toList())));
        route("POST", "/api/v1/cluster/rebalance", Access.ADMIN, doc("Cluster", "Spread replicas and preferred "
                + "leaders evenly over the live nodes (body {} starts it, {\"dry_run\": true} only plans)", Map.of(),
                "Rebalance",
                ok("RebalanceResult", "the moves planned (and started unless dry_run)")), call -> {
            JsonNode body = call.body();
            boolean dryRun = body.path("dry_run").asBoolean(false);
            List<AdminBackend.PartitionMove> moves = backend.rebalance(call.principal().name(), dryRun);
            call.ok(Json.obj("success", true, "dry_run", dryRun, "moves", moves.stream().map(ApiRoutes::move)
                    .toList(), "message", moves.isEmpty() ? "Rebalance completed. No moves were required."
                    : (dryRun ? "Planned " : "Started ") + moves.size() + " partition move(s)."));
        });
        get("/api/v1/cluster/leaders", Access.READ, doc("Cluster", "How partition leaders spread over the nodes",
                Map.of(), null, ok("Leaders", "leaders per node")), call -> call.ok(leaders()));
        get("/api/v1/traffic", Access.READ, doc("Cluster", "Running traffic totals of this node", Map.of(), null,
                ok("Traffic", "totals since start")), call -> call.ok(traffic(backend.traffic())));

        get("/api/v1/topics", Access.READ, doc("Topics", "List topics", paging(), null, ok("TopicList", "topics")),
                call -> call.ok(Pages.page(call, backend.topics().stream().map(ApiRoutes::topic).toList())));
        route("POST", "/api/v1/topics", Access.WRITE, doc("Topics", "Create a topic", Map.of(), "NewTopic",
                new Route.Response(201, "TopicDetail", "created"),
                new Route.Response(409, "Error", "a topic of that name exists")), this::createTopic);
        get("/api/v1/topics/{name}", Access.READ, doc("Topics", "Describe a topic", Map.of(), null,
                ok("TopicDetail", "the topic and its partitions (ETag)")), call -> {
            TopicDetail t = requireTopic(call.param("name"));
            call.header("ETag", topicTag(t));
            call.ok(topicDetail(t));
        });
        route("DELETE", "/api/v1/topics/{name}", Access.WRITE, doc("Topics", "Delete a topic and its records",
                Map.of(), null, new Route.Response(204, null, "deleted"),
                new Route.Response(412, "Error", "If-Match does not match the topic's ETag")), call -> {
            TopicDetail t = requireTopic(call.param("name"));
            Etags.requireMatch(call, topicTag(t));
            backend.deleteTopic(call.principal().name(), t.topic().name());
            call.noContent();
        });
        get("/api/v1/schemas", Access.READ, doc("Schemas", "List every schema version", paging(), null,
                ok("SchemaList", "live versions by subject")),
                call -> call.ok(Pages.page(call, backend.schemas().stream().map(ApiRoutes::schema).toList())));
        route("POST", "/api/v1/schemas", Access.WRITE, doc("Schemas", "Register a schema version", Map.of(),
                "NewSchema", new Route.Response(201, "Schema", "registered (or the version that already holds it)"),
                new Route.Response(400, "Error", "invalid, or incompatible with the subject's versions")), call -> {
            JsonNode body = call.body();
            String name = text(body, "name");
            String definition = text(body, "schema");
            if (name == null || name.isBlank() || definition == null) {
                throw AdminException.badRequest("name and schema are required");
            }
            String type = text(body, "type");
            String mode = text(body, "compatibility");
            byte[] bytes = "protobuf".equals(type) || "proto".equals(type) ? decodeBase64(definition)
                    : definition.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            AdminBackend.SchemaInfo s = backend.registerSchema(call.principal().name(), name,
                    type == null ? "json" : type, bytes,
                    mode == null ? "" : mode);
            call.json(201, schema(s));
        });
        get("/api/v1/schemas/{name}", Access.READ, doc("Schemas", "The latest version of a subject", Map.of(), null,
                ok("Schema", "the latest version")), call -> call.ok(schema(backend.schema(call.param("name"))
                .orElseThrow(() -> AdminException.notFound("schema subject '" + call.param("name")
                        + "' not found")))));
        route("DELETE", "/api/v1/schemas/{name}", Access.WRITE, doc("Schemas", "Delete every version of a subject",
                Map.of(), null, new Route.Response(204, null, "deleted")), call -> {
            backend.deleteSchema(call.principal().name(), call.param("name"));
            call.noContent();
        });
        get("/api/v1/dlq/{topic}", Access.READ, doc("DLQ", "Dead letters of a topic's queue not replayed yet",
                Map.of("max_messages", "at most this many (default 100, as upstream)"), null,
                ok("DeadLetterList", "oldest first; data in base64")), call -> {
            int max = (int) call.longQuery("max_messages", 100, 1, 10_000);
            call.ok(backend.deadLetters(call.principal().name(), call.param("topic"), max).stream().map(d -> Json.obj("id", d.id(),
                    "topic", call.param("topic"), "data", java.util.Base64.getEncoder().encodeToString(d.data()),
                    "error", d.error(), "retries", d.retries())).toList());
        });
        route("POST", "/api/v1/dlq/{topic}/replay/{id}", Access.WRITE, doc("DLQ",
                "Copy a dead letter back into its topic (once: a replay already done answers 200 again)", Map.of(),
                null, ok("DeadLetterReplay", "replayed, or already replayed"),
                new Route.Response(404, "Error", "no such dead letter")), call -> call.ok(Json.obj("replayed", true,
                "message", backend.replayDeadLetter(call.principal().name(), call.param("topic"),
                        call.param("id")))));
        route("DELETE", "/api/v1/dlq/{topic}", Access.WRITE, doc("DLQ", "Delete every dead letter of a topic",
                Map.of(), null, new Route.Response(204, null, "purged")), call -> {
            backend.purgeDeadLetters(call.principal().name(), call.param("topic"));
            call.noContent();
        });
        get("/api/v1/topics/{name}/config", Access.READ, doc("Topics", "A topic's effective settings", Map.of(),
                null, ok("TopicConfig", "settings (ETag)")), call -> {
            TopicDetail t = requireTopic(call.param("name"));
            call.header("ETag", topicTag(t));
            call.ok(config(t.topic()));
        });
        route("PUT", "/api/v1/topics/{name}/config", Access.WRITE, doc("Topics", "Change a topic's settings",
                Map.of(), "TopicConfigChange", ok("TopicConfig", "the settings after the change (ETag)"),
                new Route.Response(400, "Error", "an unknown setting or a value out of range (nothing changed)"),
                new Route.Response(412, "Error", "If-Match does not match the topic's ETag")), this::alterTopic);
        get("/api/v1/topics/{name}/messages", Access.READ, doc("Topics", "Read records of one partition",
                Map.of("partition", "partition (default 0)", "offset", "first offset (default: the oldest)",
                        "timestamp", "instead of offset: first record at or after this time (ms)",
                        "limit", "most records, 1.." + MAX_MESSAGES + " (default 50)"), null,
                ok("MessagePage", "records; key, value and header values in base64")), this::messages);

        defineSecurity();
        defineAudit();
        get("/api/v1/consumer-groups", Access.READ, doc("Consumer groups", "List consumer groups", paging(), null,
                ok("GroupList", "groups")), call -> call.ok(Pages.page(call, backend.groups().stream()
                        .map(g -> Json.obj("name", g.name(), "topics", g.topics(), "members", g.members(),
                                "state", g.members() > 0 ? "Stable" : "Empty", "lag", g.lag())).toList())));
        get("/api/v1/consumer-groups/{name}", Access.READ, doc("Consumer groups", "Describe a group", Map.of(), null,
                ok("GroupDetail", "offsets and lag per partition (ETag)")), call -> {
            GroupDetail g = requireGroup(call.param("name"));
            call.header("ETag", groupTag(g));
            call.ok(group(g));
        });
        get("/api/v1/consumer-groups/{name}/lag", Access.READ, doc("Consumer groups", "A group's lag", Map.of(),
                null, ok("GroupLag", "lag in records and seconds per partition")), call -> {
            GroupDetail g = requireGroup(call.param("name"));
            Map<String, Object> all = group(g);
            call.ok(Json.obj("name", g.name(), "lag", all.get("lag"), "max_lag_seconds", all.get("max_lag_seconds"),
                    "partitions", all.get("partitions")));
        });
        route("POST", "/api/v1/consumer-groups/{name}/reset", Access.WRITE, doc("Consumer groups",
                "Move a group's committed offsets", Map.of(), "ResetOffsets", ok("GroupDetail", "the group after"),
                new Route.Response(412, "Error", "If-Match does not match the group's ETag")), this::reset);
        route("DELETE", "/api/v1/consumer-groups/{name}", Access.WRITE, doc("Consumer groups",
                "Delete a group's offsets", Map.of("topic", "only its offsets in this topic"), null,
                new Route.Response(204, null, "deleted"),
                new Route.Response(412, "Error", "If-Match does not match the group's ETag")), call -> {
            GroupDetail g = requireGroup(call.param("name"));
            Etags.requireMatch(call, groupTag(g));
            String topic = call.query("topic").orElse(null);
            if (topic != null && g.partitions().stream().noneMatch(p -> p.topic().equals(topic))) {
                throw AdminException.notFound("consumer group " + g.name() + " has no offsets in topic " + topic);
            }
            backend.deleteGroup(call.principal().name(), g.name(), topic);
            call.noContent();
        });
    }

    /** Users, roles and topic ACLs (upstream's /users, /roles, /acls), as the broker's security opcodes serve them. */
    private void defineSecurity() {
        get("/api/v1/users", Access.ADMIN, doc("Security", "List users", paging(), null, ok("UserList", "users")),
                call -> call.ok(Pages.page(call, backend.users(call.principal().name()).stream().map(ApiRoutes::user).toList())));
        route("POST", "/api/v1/users", Access.ADMIN, doc("Security", "Create a user", Map.of(), "NewUser",
                new Route.Response(201, "User", "created"),
                new Route.Response(409, "Error", "a user of that name exists")), call -> {
            JsonNode body = call.body();
            String name = text(body, "username");
            String password = text(body, "password");
            if (name == null || name.isBlank() || password == null || password.isEmpty()) {
                throw AdminException.badRequest("username and password are required");
            }
            AdminBackend.UserInfo u = backend.createUser(call.principal().name(), name, password,
                    strings(body, "roles", List.of()));
            call.header("Location", "/api/v1/users/" + java.net.URLEncoder.encode(u.username(),
                    java.nio.charset.StandardCharsets.UTF_8));
            call.json(201, user(u));
        });
        get("/api/v1/users/{name}", Access.ADMIN, doc("Security", "Get a user", Map.of(), null, ok("User", "the user")),
                call -> call.ok(user(requireUser(call, call.param("name")))));
        route("PUT", "/api/v1/users/{name}", Access.ADMIN, doc("Security", "Change a user's roles or enabled flag",
                Map.of(), "UserChange", ok("User", "the user after")), call -> {
            JsonNode body = call.body();
            requireUser(call, call.param("name"));
            JsonNode enabled = body.get("enabled");
            if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
                throw AdminException.badRequest("enabled must be true or false, found " + enabled);
            }
            List<String> roles = body.has("roles") && !body.get("roles").isNull() ? strings(body, "roles", null) : null;
            if (roles == null && (enabled == null || enabled.isNull())) {
                throw AdminException.badRequest("nothing to change: give roles and/or enabled");
            }
            call.ok(user(backend.updateUser(call.principal().name(), call.param("name"), roles,
                    enabled == null || enabled.isNull() ? null : enabled.asBoolean())));
        });
        route("DELETE", "/api/v1/users/{name}", Access.ADMIN, doc("Security", "Delete a user", Map.of(), null,
                new Route.Response(204, null, "deleted")), call -> {
            backend.deleteUser(call.principal().name(), call.param("name"));
            call.noContent();
        });
        route("POST", "/api/v1/users/{name}/password", Access.READ, doc("Security",
                "Change a password (your own with old_password; anyone's as an admin)", Map.of(), "PasswordChange",
                new Route.Response(204, null, "changed")), call -> {
            JsonNode body = call.body();
            String next = text(body, "new_password");
            if (next == null || next.isEmpty()) {
                throw AdminException.badRequest("new_password is required");
            }
            String old = text(body, "old_password");
            backend.changePassword(call.principal().name(), call.param("name"), old == null ? "" : old, next);
            call.noContent();
        });
        get("/api/v1/roles", Access.ADMIN, doc("Security", "List roles", Map.of(), null, ok("RoleList", "roles")),
                call -> call.ok(backend.roles(call.principal().name()).stream().map(r -> Json.obj("name", r.name(),
                        "permissions", r.permissions(), "description", r.description())).toList()));
        get("/api/v1/acls", Access.ADMIN, doc("Security", "List topic ACLs", paging(), null,
                ok("AclList", "every topic ACL (X-Default-Public: what topics without one follow)")), call -> {
            AdminBackend.Acls all = backend.acls(call.principal().name());
            call.header("X-Default-Public", Boolean.toString(all.defaultPublic()));
            call.ok(Pages.page(call, all.acls().stream().map(ApiRoutes::acl).toList()));
        });
        get("/api/v1/acls/{topic}", Access.ADMIN, doc("Security", "Get a topic's ACL", Map.of(), null,
                ok("Acl", "the ACL, or exists false and the default")), call -> call.ok(acl(backend.acl(call.principal().name(), call.param("topic")))));
        route("PUT", "/api/v1/acls/{topic}", Access.ADMIN, doc("Security", "Set a topic's ACL", Map.of(), "AclChange",
                ok("Acl", "the ACL after")), call -> {
            JsonNode body = call.body();
            JsonNode pub = body.get("public");
            if (pub != null && !pub.isNull() && !pub.isBoolean()) {
                throw AdminException.badRequest("public must be true or false, found " + pub);
            }
            String topic = call.param("topic");
            backend.setAcl(call.principal().name(), topic, pub != null && pub.asBoolean(),
                    strings(body, "allowed_users", List.of()), strings(body, "allowed_roles", List.of()));
            call.ok(acl(backend.acl(call.principal().name(), topic)));
        });
        route("DELETE", "/api/v1/acls/{topic}", Access.ADMIN, doc("Security", "Delete a topic's ACL", Map.of(), null,
                new Route.Response(204, null, "deleted")), call -> {
            backend.deleteAcl(call.principal().name(), call.param("topic"));
            call.noContent();
        });
    }

    /** Upstream's audit query and export, over the broker's AUDIT_QUERY and AUDIT_EXPORT. */
    private void defineAudit() {
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("start_time", "events at or after this time (RFC 3339)");
        filters.put("end_time", "events before this time (RFC 3339)");
        filters.put("types", "event types, comma-separated (auth.success, topic.create, ...)");
        filters.put("user", "only this user's");
        filters.put("resource", "only about this resource (a topic, a user)");
        filters.put("result", "success or failure");
        filters.put("search", "text in any field, ignoring case");
        filters.put("limit", "page size (default 100)");
        filters.put("offset", "events to skip (default 0)");
        get("/api/v1/audit/events", Access.ADMIN, doc("Audit", "Query audit events", filters, null,
                ok("AuditPage", "matching events, total_count and has_more")), call -> {
            AdminBackend.AuditFilter f = new AdminBackend.AuditFilter(time(call.query("start_time").orElse(null),
                    "start_time"), time(call.query("end_time").orElse(null), "end_time"),
                    call.query("types").map(t -> List.of(t.split(","))).orElse(List.of()),
                    call.query("user").orElse(""), call.query("resource").orElse(""),
                    call.query("result").orElse(""), call.query("search").orElse(""),
                    (int) call.longQuery("limit", 100, 1, 10_000), (int) call.longQuery("offset", 0, 0, Integer.MAX_VALUE));
            AdminBackend.AuditPage page = backend.auditEvents(call.principal().name(), f);
            call.ok(Json.obj("events", page.events().stream().map(ApiRoutes::auditEvent).toList(),
                    "total_count", page.total(), "has_more", page.hasMore()));
        });
        route("POST", "/api/v1/audit/export", Access.ADMIN, new Route.Doc("Audit",
                "Export audit events as a JSON or CSV file", Map.of(), "AuditExport",
                List.of(ok("object", "the file (Content-Disposition: attachment)")), "application/json"), call -> {
            JsonNode body = call.body();
            JsonNode filter = body.path("filter");
            String format = text(body, "format");
            format = format == null || format.isEmpty() ? "json" : format;
            if (!format.equals("json") && !format.equals("csv")) {
                throw AdminException.badRequest("format must be json or csv, found '" + format + "'");
            }
            List<String> types = new ArrayList<>();
            filter.path("event_types").forEach(t -> types.add(t.asText()));
            AdminBackend.AuditFilter f = new AdminBackend.AuditFilter(time(textOr(filter, "start_time"), "start_time"),
                    time(textOr(filter, "end_time"), "end_time"), types, textOr(filter, "user", ""),
                    textOr(filter, "resource", ""), textOr(filter, "result", ""), textOr(filter, "search", ""),
                    filter.path("limit").asInt(0), filter.path("offset").asInt(0));
            byte[] file = backend.exportAudit(call.principal().name(), f, format);
            call.response().header("Content-Disposition", "attachment; filename=audit_events." + format);
            call.response().headers().contentType(format.equals("csv")
                    ? io.helidon.common.media.type.MediaTypes.create("text/csv")
                    : io.helidon.common.media.type.MediaTypes.APPLICATION_JSON);
            call.response().send(file);
        });
    }

    private static String textOr(JsonNode node, String field) {
        return textOr(node, field, null);
    }

    private static String textOr(JsonNode node, String field, String dflt) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() ? dflt : n.asText();
    }

    /** An RFC 3339 time as Unix ms; null or empty = unbounded (0). */
    private static long time(String text, String field) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw AdminException.badRequest(field + " must be an RFC 3339 time such as 2026-12-03T08:00:00Z, found '"
                    + text + "'");
        }
    }

    static Map<String, Object> auditEvent(AdminBackend.AuditEventInfo e) {
        return Json.obj("id", e.id(), "timestamp", Instant.ofEpochMilli(e.timestampMs()).toString(), "type", e.type(),
                "user", e.user(), "client_ip", e.clientIp(), "resource", e.resource(), "action", e.action(),
                "result", e.result(), "details", new TreeMap<>(e.details()), "node_id", e.nodeId());
    }

    private AdminBackend.UserInfo requireUser(Call call, String name) {
        return backend.user(call.principal().name(), name).orElseThrow(() -> AdminException.notFound("user not found: " + name));
    }

    static Map<String, Object> user(AdminBackend.UserInfo u) {
        return Json.obj("username", u.username(), "roles", u.roles(), "permissions", u.permissions(),
                "enabled", u.enabled(), "created_at", Instant.ofEpochMilli(u.createdAtMs()).toString(),
                "updated_at", Instant.ofEpochMilli(u.updatedAtMs()).toString());
    }

    static Map<String, Object> acl(AdminBackend.AclInfo a) {
        return Json.obj("topic", a.topic(), "exists", a.exists(), "public", a.isPublic(), "allowed_users", a.users(),
                "allowed_roles", a.roles());
    }

    /** A list of strings from the body; {@code dflt} when absent. */
    private static List<String> strings(JsonNode body, String field, List<String> dflt) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isArray()) {
            throw AdminException.badRequest(field + " must be a list of strings, found " + n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw AdminException.badRequest(field + " must be a list of strings, found " + n);
            }
            out.add(e.asText());
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------- handlers

    private void createTopic(Call call) {
        JsonNode body = call.body();
        JsonNode options = body.path("options");
        String name = text(body, "name");
        if (name == null || name.isBlank()) {
            throw AdminException.badRequest("name is required");
        }
        if (backend.topic(name).isPresent()) {
            throw AdminException.conflict("topic " + name + " exists");
        }
        int partitions = (int) number(body, options, "partitions", 1, 0, Integer.MAX_VALUE);
        int rf = (int) number(body, options, "replica_factor", -1, -1, Integer.MAX_VALUE);
        long retentionMs = number(body, options, "retention_ms", -1, -1, Long.MAX_VALUE);
        long retentionBytes = number(body, options, "retention_bytes", -1, -1, Long.MAX_VALUE);
        backend.createTopic(call.principal().name(), new AdminBackend.NewTopic(name, partitions, rf, retentionMs, retentionBytes));
        TopicDetail t = backend.topic(name).orElseThrow(() -> AdminException.unavailable(
                "topic " + name + " was created but this node does not know it yet; read it again shortly"));
        call.header("Location", "/api/v1/topics/" + java.net.URLEncoder.encode(name,
                java.nio.charset.StandardCharsets.UTF_8));
        call.header("ETag", topicTag(t));
        call.json(201, topicDetail(t));
    }

    /**
     * PUT /topics/{name}/config: the settings to change at the top level of the body or in its {@code config}
     * object (upstream's place for them when a topic is created); null or -1 puts one back to the broker default.
     */
    private void alterTopic(Call call) {
        TopicDetail t = requireTopic(call.param("name"));
        Etags.requireMatch(call, topicTag(t));
        JsonNode body = call.body();
        JsonNode settings = body.has("config") ? body.get("config") : body;
        if (settings == null || !settings.isObject()) {
            throw AdminException.badRequest("expected a JSON object of settings (or {\"config\": {...}}), such as "
                    + "{\"retention_ms\": 86400000}");
        }
        Map<String, Long> changes = new LinkedHashMap<>();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = settings.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (settings == body && e.getKey().equals("name") && e.getValue().isTextual()
                    && e.getValue().asText().equals(t.topic().name())) {
                continue; // the topic's own name, as GET .../config shows it
            }
            if (!AdminBackend.TOPIC_SETTINGS.contains(e.getKey())) {
                throw AdminException.badRequest("'" + e.getKey() + "' is not a setting that can be changed; "
                        + "these are: " + String.join(", ", AdminBackend.TOPIC_SETTINGS));
            }
            JsonNode v = e.getValue();
            if (v.isNull()) {
                changes.put(e.getKey(), -1L);
            } else if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= -1) {
                changes.put(e.getKey(), v.asLong());
            } else {
                throw AdminException.badRequest(e.getKey() + " must be a whole number >= 0 (or -1 or null for the "
                        + "broker default), found " + v);
            }
        }
        if (changes.isEmpty()) {
            throw AdminException.badRequest("no setting to change; these can be: "
                    + String.join(", ", AdminBackend.TOPIC_SETTINGS));
        }
        backend.alterTopic(call.principal().name(), t.topic().name(), changes);
        TopicDetail after = requireTopic(t.topic().name());
        call.header("ETag", topicTag(after));
        call.ok(config(after.topic()));
    }

    private void messages(Call call) {
        TopicDetail t = requireTopic(call.param("name"));
        int partition = (int) call.longQuery("partition", 0, 0, Integer.MAX_VALUE);
        if (partition >= t.topic().partitions()) {
            throw AdminException.notFound("topic " + t.topic().name() + " has no partition " + partition
                    + " (it has " + t.topic().partitions() + ")");
        }
        int limit = (int) call.longQuery("limit", 50, 1, MAX_MESSAGES);
        AdminBackend.PartitionInfo p = t.partitions().get(partition);
        long offset;
        if (call.query("timestamp").isPresent()) {
            long ts = call.longQuery("timestamp", 0, 0, Long.MAX_VALUE);
            offset = backend.offsetForTimestamp(t.topic().name(), partition, ts);
        } else {
            offset = call.longQuery("offset", p.startOffset(), 0, Long.MAX_VALUE);
        }
        AdminBackend.MessagePage page = backend.messages(t.topic().name(), partition, offset, limit);
        Base64.Encoder b64 = Base64.getEncoder();
        List<Map<String, Object>> messages = new ArrayList<>();
        for (AdminBackend.Message m : page.messages()) {
            List<Map<String, Object>> headers = m.headers().stream()
                    .map(h -> Json.obj("key", h.key(), "value", b64.encodeToString(h.value()))).toList();
            messages.add(Json.obj("offset", m.offset(), "timestamp", m.timestampMs(),
                    "time", Instant.ofEpochMilli(m.timestampMs()).toString(),
                    "key", b64.encodeToString(m.key()), "value", b64.encodeToString(m.value()),
                    "headers", headers));
        }
        call.ok(Json.obj("topic", page.topic(), "partition", page.partition(), "start_offset", page.startOffset(),
                "end_offset", page.endOffset(), "next_offset", page.nextOffset(), "encoding", "base64",
                "messages", messages));
    }

    private void reset(Call call) {
        GroupDetail g = requireGroup(call.param("name"));
        Etags.requireMatch(call, groupTag(g));
        JsonNode body = call.body();
        String topic = text(body, "topic");
        if (topic == null) {
            throw AdminException.badRequest("topic is required");
        }
        requireTopic(topic);
        String mode = text(body, "mode");
        if (mode == null) {
            throw AdminException.badRequest("mode is required: earliest, latest, offset or timestamp");
        }
        long value;
        switch (mode) {
            case "earliest", "latest" -> value = 0;
            case "offset" -> value = number(body, null, "offset", -1, 0, Long.MAX_VALUE);
            case "timestamp" -> value = number(body, null, "timestamp", -1, 0, Long.MAX_VALUE);
            default -> throw AdminException.badRequest("mode must be earliest, latest, offset or timestamp, found '"
                    + mode + "'");
        }
        if (value < 0) {
            throw AdminException.badRequest("mode " + mode + " needs the field " + mode);
        }
        int partition = (int) number(body, null, "partition", -1, -1, Integer.MAX_VALUE);
        backend.resetOffsets(call.principal().name(), g.name(), topic, partition, mode, value);
        GroupDetail after = requireGroup(g.name());
        call.header("ETag", groupTag(after));
        call.ok(group(after));
    }

    // ------------------------------------------------------------------------------------------------- answers

    /** POST /cluster/partitions/{topic}/{partition}[/reassign]: upstream's body, plus {@code cancel}. */
    private void reassign(Call call) {
        String topic = call.param("topic");
        int partition;
        try {
            partition = Integer.parseInt(call.param("partition"));
        } catch (NumberFormatException e) {
            throw AdminException.badRequest("invalid partition number '" + call.param("partition") + "'");
        }
        JsonNode body = call.body();
        boolean cancel = body.path("cancel").asBoolean(false);
        List<String> replicas = new ArrayList<>();
        body.path("new_replicas").forEach(n -> replicas.add(n.asText()));
        String leader = body.path("new_leader").asText("");
        if (!cancel) {
            if (!leader.isEmpty()) {
                replicas.remove(leader);
                replicas.add(0, leader);
            }
            if (replicas.isEmpty()) {
                throw AdminException.badRequest("new_replicas (or new_leader) is required, or cancel: true");
            }
        }
        backend.reassignPartition(call.principal().name(), topic, partition, replicas, cancel);
        call.json(202, Json.obj("success", true, "message", cancel ? "Partition reassignment cancelled"
                : "Partition reassignment initiated", "topic", topic, "partition", partition,
                "new_leader", cancel ? "" : replicas.get(0), "new_replicas", cancel ? List.of() : replicas));
    }

    private static Map<String, Object> move(AdminBackend.PartitionMove m) {
        return Json.obj("topic", m.topic(), "partition", m.partition(), "from", m.from(), "to", m.to(),
                "cancelling", m.cancelling());
    }

    Map<String, Object> cluster() {
        AdminBackend.ClusterInfo c = backend.cluster();
        List<TopicInfo> topics = backend.topics();
        long messages = topics.stream().mapToLong(TopicInfo::messageCount).sum();
        int partitions = topics.stream().mapToInt(TopicInfo::partitions).sum();
        List<Map<String, Object>> nodes = nodes();
        return Json.obj("cluster_id", c.clusterId(), "version", version, "node_id", c.nodeId(),
                "node_count", nodes.size(), "leader_id", c.leaderId(), "raft_term", c.raftTerm(),
                "raft_commit_index", c.raftCommitIndex(), "topic_count", topics.size(),
                "partition_count", partitions, "total_messages", messages,
                "uptime", uptime(Duration.ofNanos(System.nanoTime() - startNanos)), "ready", c.ready(),
                "nodes", nodes);
    }

    List<Map<String, Object>> nodes() {
        return backend.nodes().stream().map(n -> Json.obj("id", n.id(), "address", n.address(),
                "cluster_addr", n.clusterAddr(), "state", n.state(), "raft_state", n.raftState(),
                "is_leader", n.isLeader())).toList();
    }

    private Map<String, Object> metadata(String topic) {
        Map<String, List<Map<String, Object>>> byTopic = new TreeMap<>();
        for (PartitionAssignment a : backend.partitions()) {
            if (topic == null || topic.equals(a.topic())) {
                byTopic.computeIfAbsent(a.topic(), t -> new ArrayList<>()).add(Json.obj("partition", a.partition(),
                        "leader_id", a.leader(), "leader_addr", a.leaderAddr(), "epoch", a.epoch(),
                        "state", a.state(), "replicas", a.replicas(), "isr", a.isr()));
            }
        }
        if (topic != null && byTopic.isEmpty()) {
            requireTopic(topic);
        }
        List<Map<String, Object>> topics = new ArrayList<>();
        byTopic.forEach((t, parts) -> topics.add(Json.obj("topic", t, "partitions", parts)));
        return Json.obj("cluster_id", backend.cluster().clusterId(), "topics", topics);
    }

    private static Map<String, Object> assignment(PartitionAssignment a) {
        return Json.obj("topic", a.topic(), "partition", a.partition(), "leader", a.leader(),
                "leader_addr", a.leaderAddr(), "replicas", a.replicas(), "isr", a.isr(), "epoch", a.epoch(),
                "state", a.state());
    }

    private Map<String, Object> leaders() {
        Map<String, Integer> distribution = new TreeMap<>();
        for (AdminBackend.NodeInfo n : backend.nodes()) {
            distribution.put(n.id(), 0);
        }
        for (PartitionAssignment a : backend.partitions()) {
            if (!a.leader().isEmpty()) {
                distribution.merge(a.leader(), 1, Integer::sum);
            }
        }
        int total = distribution.values().stream().mapToInt(Integer::intValue).sum();
        int max = distribution.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = distribution.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return Json.obj("distribution", distribution, "total_leaders", total, "node_count", distribution.size(),
                "max_per_node", max, "min_per_node", min, "balanced", max - min <= 1);
    }

    static Map<String, Object> traffic(AdminBackend.Traffic t) {
        return Json.obj("messages_in", t.messagesIn(), "bytes_in", t.bytesIn(), "messages_out", t.messagesOut(),
                "bytes_out", t.bytesOut(), "produce_requests", t.produceRequests(),
                "produce_latency_ns", t.produceLatencyNanos());
    }

    static Map<String, Object> schema(AdminBackend.SchemaInfo s) {
        return Json.obj("name", s.name(), "version", s.version(), "id", s.id(), "type", s.type(),
                "schema", s.schema(), "compatibility", s.compatibility(),
                "created_at", Instant.ofEpochMilli(s.createdAtMs()).toString());
    }

    private static byte[] decodeBase64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw AdminException.badRequest("a protobuf schema is a descriptor set in base64: " + e.getMessage());
        }
    }

    static Map<String, Object> topic(TopicInfo t) {
        return Json.obj("name", t.name(), "partitions", t.partitions(), "replica_factor", t.replicationFactor(),
                "message_count", t.messageCount(), "size_bytes", t.sizeBytes(),
                "retention_bytes", t.retentionBytes(), "retention_ms", t.retentionMs(),
                "created_at", Instant.ofEpochMilli(t.createdAtMs()).toString());
    }

    static Map<String, Object> topicDetail(TopicDetail d) {
        Map<String, Object> m = topic(d.topic());
        m.put("segment_bytes", d.topic().segmentBytes());
        m.put("segment_ms", d.topic().segmentMs());
        m.put("ttl_ms", d.topic().ttlMs());
        m.put("partition_details", d.partitions().stream().map(p -> Json.obj("partition", p.partition(),
                "leader", p.leader(), "start_offset", p.startOffset(), "end_offset", p.endOffset(),
                "messages", p.endOffset() - p.startOffset(), "size_bytes", p.sizeBytes(),
                "segments", p.segments())).toList());
        return m;
    }

    private static Map<String, Object> config(TopicInfo t) {
        return Json.obj("name", t.name(), "partitions", t.partitions(), "replica_factor", t.replicationFactor(),
                "retention_ms", t.retentionMs(), "retention_bytes", t.retentionBytes(),
                "segment_bytes", t.segmentBytes(), "segment_ms", t.segmentMs(), "ttl_ms", t.ttlMs());
    }

    static Map<String, Object> group(GroupDetail g) {
        long lag = 0;
        double maxLagSeconds = 0;
        List<Map<String, Object>> partitions = new ArrayList<>();
        LinkedHashMap<String, Boolean> topics = new LinkedHashMap<>();
        for (GroupPartition p : g.partitions()) {
            lag += p.lag();
            topics.put(p.topic(), true);
            Double seconds = p.lagMillis() < 0 ? (p.lag() == 0 ? 0.0 : null) : p.lagMillis() / 1000.0;
            if (seconds != null) {
                maxLagSeconds = Math.max(maxLagSeconds, seconds);
            }
            partitions.add(Json.obj("topic", p.topic(), "partition", p.partition(), "offset", p.committedOffset(),
                    "end_offset", p.endOffset(), "lag", p.lag(), "lag_seconds", seconds));
        }
        return Json.obj("name", g.name(), "state", g.members() > 0 ? "Stable" : "Empty", "members", g.members(),
                "member_ids", g.memberIds(), "topics", List.copyOf(topics.keySet()), "lag", lag,
                "max_lag_seconds", maxLagSeconds, "partitions", partitions);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private TopicDetail requireTopic(String name) {
        return backend.topic(name).orElseThrow(() -> AdminException.notFound("topic not found: " + name));
    }

    private GroupDetail requireGroup(String name) {
        return backend.group(name).orElseThrow(() -> AdminException.notFound("consumer group not found: " + name));
    }

    /** Changes when the topic is re-created or its settings or partitions change, not when records arrive. */
    static String topicTag(TopicDetail d) {
        TopicInfo t = d.topic();
        return Etags.of(t.name() + "|" + t.createdAtMs() + "|" + t.partitions() + "|" + t.replicationFactor() + "|"
                + t.retentionMs() + "|" + t.retentionBytes() + "|" + t.segmentBytes() + "|" + t.segmentMs() + "|"
                + t.ttlMs());
    }

    /** Changes whenever a committed offset moves. */
    static String groupTag(GroupDetail g) {
        StringBuilder s = new StringBuilder(g.name());
        for (GroupPartition p : g.partitions()) {
            s.append('|').append(p.topic()).append('/').append(p.partition()).append('=').append(p.committedOffset());
        }
        return Etags.of(s.toString());
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw AdminException.badRequest(field + " must be a string");
        }
        return n.asText();
    }

    /** A whole number from the body (or its {@code options} object, upstream's place for topic settings). */
    private static long number(JsonNode body, JsonNode options, String field, long dflt, long min, long max) {
        JsonNode n = body.get(field);
        if ((n == null || n.isNull()) && options != null) {
            n = options.get(field);
        }
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber()) {
            throw AdminException.badRequest(field + " must be an integer, found " + n);
        }
        long v = n.asLong();
        if (v < min || v > max) {
            throw AdminException.badRequest(field + " must be in " + min + ".." + max + ", found " + v);
        }
        return v;
    }

    /** Uptime as the health endpoint writes it: {@code 7d12h30m}, {@code 3h5m}, {@code 4m10s}. */
    static String uptime(Duration d) {
        long s = d.toSeconds();
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        if (days > 0) {
            return days + "d" + hours + "h" + minutes + "m";
        }
        if (hours > 0) {
            return hours + "h" + minutes + "m";
        }
        return minutes + "m" + s % 60 + "s";
    }

    private void get(String template, Access access, Route.Doc doc, Route.Handler handler) {
        route("GET", template, access, doc, handler);
    }

    private void route(String method, String template, Access access, Route.Doc doc, Route.Handler handler) {
        routes.add(new Route(method, template, access, doc, handler));
    }

    static Route.Doc doc(String tag, String summary, Map<String, String> query, String body,
                         Route.Response... responses) {
        return new Route.Doc(tag, summary, query, body, List.of(responses), "application/json");
    }

    static Route.Response ok(String schema, String description) {
        return new Route.Response(200, schema, description);
    }

    private static Map<String, String> paging() {
        return withPaging(Map.of());
    }

    private static Map<String, String> withPaging(Map<String, String> query) {
        Map<String, String> m = new LinkedHashMap<>(query);
        m.put("limit", "page size, 1.." + Pages.MAX_LIMIT + " (default " + Pages.DEFAULT_LIMIT + ")");
        m.put("offset", "items to skip (default 0)");
        return m;
    }
}
