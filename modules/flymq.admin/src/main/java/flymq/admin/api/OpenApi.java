package flymq.admin.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OpenAPI 3.0 document of the API, written from the route table (so a route cannot go undocumented) and the
 * schemas below (the answers' shapes, kept beside the code that builds them in {@link ApiRoutes}).
 */
final class OpenApi {
    private OpenApi() {
    }

    static Map<String, Object> document(List<Route> routes, String version) {
        Map<String, Object> paths = new TreeMap<>();
        for (Route r : routes) {
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(r.template(),
                    t -> new LinkedHashMap<String, Object>());
            item.put(r.method().toLowerCase(), operation(r));
        }
        return Json.obj(
                "openapi", "3.0.3",
                "info", Json.obj("title", "FlyMQ admin API", "version", version,
                        "description", "Cluster, topics, consumer groups and messages of a FlyMQ broker. Errors "
                                + "answer {\"error\", \"code\", \"status\"}; lists page with ?limit and ?offset "
                                + "(X-Total-Count, Link rel=next)."),
                "servers", List.of(Json.obj("url", "/")),
                "components", Json.obj("schemas", schemas(),
                        "securitySchemes", Json.obj("basic", Json.obj("type", "http", "scheme", "basic"),
                                "bearer", Json.obj("type", "http", "scheme", "bearer"))),
                "paths", paths);
    }

    private static Map<String, Object> operation(Route r) {
        Route.Doc d = r.doc();
        Map<String, Object> op = Json.obj("tags", List.of(d.tag()), "summary", d.summary(),
                "operationId", operationId(r));
        List<Object> params = new java.util.ArrayList<>();
        for (String p : r.pathParameters()) {
            params.add(Json.obj("name", p, "in", "path", "required", true, "schema", Json.obj("type",
                    p.equals("partition") ? "integer" : "string")));
        }
        d.query().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(q -> params.add(Json.obj(
                "name", q.getKey(), "in", "query", "required", false, "description", q.getValue(),
                "schema", Json.obj("type", q.getKey().equals("topic") ? "string" : "integer"))));
        if (!params.isEmpty()) {
            op.put("parameters", params);
        }
        if (d.body() != null) {
            op.put("requestBody", Json.obj("required", true, "content",
                    Json.obj("application/json", Json.obj("schema", ref(d.body())))));
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        for (Route.Response resp : d.responses()) {
            Map<String, Object> answer = Json.obj("description", resp.description());
            if (resp.schema() != null) {
                String type = resp.status() >= 300 ? "application/json" : d.mediaType();
                answer.put("content", Json.obj(type, Json.obj("schema", ref(resp.schema()))));
            }
            responses.put(Integer.toString(resp.status()), answer);
        }
        responses.put("default", Json.obj("description", "an error", "content",
                Json.obj("application/json", Json.obj("schema", ref("Error")))));
        op.put("responses", responses);
        if (r.access() == null) {
            op.put("security", List.of());
        } else {
            op.put("security", List.of(Json.obj("basic", List.of()), Json.obj("bearer", List.of())));
        }
        return op;
    }

    private static String operationId(Route r) {
        StringBuilder id = new StringBuilder(r.method().toLowerCase());
        for (String s : Route.segments(r.template())) {
            if (s.equals("api") || s.equals("v1")) {
                continue;
            }
            String word = s.startsWith("{") ? "By" + s.substring(1, s.length() - 1) : s;
            for (String part : word.replace('.', '-').split("-")) {
                if (!part.isEmpty()) {
                    id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
                }
            }
        }
        return id.toString();
    }

    private static Map<String, Object> ref(String schema) {
        return Json.obj("$ref", "#/components/schemas/" + schema);
    }

    private static Map<String, Object> object(Object... props) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (int i = 0; i < props.length; i += 2) {
            Object type = props[i + 1];
            properties.put((String) props[i], type instanceof String s ? typed(s) : type);
        }
        return Json.obj("type", "object", "properties", properties);
    }

    private static Map<String, Object> typed(String type) {
        return switch (type) {
            case "string[]" -> Json.obj("type", "array", "items", Json.obj("type", "string"));
            case "int" -> Json.obj("type", "integer", "format", "int64");
            case "number?" -> Json.obj("type", "number", "nullable", true);
            default -> type.startsWith("#") ? ref(type.substring(1)) : Json.obj("type", type);
        };
    }

    private static Map<String, Object> arrayOf(String schema) {
        return Json.obj("type", "array", "items", ref(schema));
    }

    private static Map<String, Object> schemas() {
        Map<String, Object> s = new TreeMap<>();
        s.put("object", Json.obj("type", "object"));
        s.put("Error", object("error", "string", "code", "string", "status", "integer"));
        s.put("Health", object("status", "string"));
        s.put("Node", object("id", "string", "address", "string", "cluster_addr", "string", "state", "string",
                "raft_state", "string", "is_leader", "boolean"));
        s.put("NodeList", arrayOf("Node"));
        s.put("Cluster", object("cluster_id", "string", "version", "string", "node_id", "string",
                "node_count", "int", "leader_id", "string", "raft_term", "int", "raft_commit_index", "int",
                "topic_count", "int", "partition_count", "int", "total_messages", "int", "uptime", "string",
                "ready", "boolean", "nodes", arrayOf("Node")));
        s.put("PartitionMetadata", object("partition", "int", "leader_id", "string", "leader_addr", "string",
                "epoch", "int", "state", "string", "replicas", "string[]", "isr", "string[]"));
        s.put("ClusterMetadata", object("cluster_id", "string", "topics", Json.obj("type", "array", "items",
                object("topic", "string", "partitions", arrayOf("PartitionMetadata")))));
        s.put("Assignment", object("topic", "string", "partition", "int", "leader", "string",
                "leader_addr", "string", "replicas", "string[]", "isr", "string[]", "epoch", "int", "state",
                "string"));
        s.put("Assignments", object("assignments", arrayOf("Assignment"), "count", "int"));
        s.put("Leaders", object("distribution", Json.obj("type", "object", "additionalProperties",
                Json.obj("type", "integer")), "total_leaders", "int", "node_count", "int", "max_per_node", "int",
                "min_per_node", "int", "balanced", "boolean"));
        s.put("Traffic", object("messages_in", "int", "bytes_in", "int", "messages_out", "int", "bytes_out", "int",
                "produce_requests", "int", "produce_latency_ns", "int"));
        s.put("Topic", object("name", "string", "partitions", "int", "replica_factor", "int",
                "message_count", "int", "size_bytes", "int", "retention_bytes", "int", "retention_ms", "int",
                "created_at", "string"));
        s.put("TopicList", arrayOf("Topic"));
        s.put("Schema", object("name", "string", "version", "int", "id", "int", "type", "string", "schema", "string",
                "compatibility", "string", "created_at", "string"));
        s.put("SchemaList", arrayOf("Schema"));
        s.put("DeadLetter", object("id", "string", "topic", "string", "data", "string", "error", "string",
                "retries", "int"));
        s.put("DeadLetterList", arrayOf("DeadLetter"));
        s.put("DeadLetterReplay", object("replayed", "boolean", "message", "string"));
        Map<String, Object> newSchema = object("name", "string", "schema", "string",
                "type", Json.obj("type", "string", "enum", List.of("json", "avro", "protobuf")),
                "compatibility", "string");
        newSchema.put("required", List.of("name", "schema"));
        s.put("NewSchema", newSchema);
        s.put("PartitionState", object("partition", "int", "leader", "string", "start_offset", "int",
                "end_offset", "int", "messages", "int", "size_bytes", "int", "segments", "int"));
        Map<String, Object> detail = object("name", "string", "partitions", "int", "replica_factor", "int",
                "message_count", "int", "size_bytes", "int", "retention_bytes", "int", "retention_ms", "int",
                "created_at", "string", "segment_bytes", "int", "segment_ms", "int", "ttl_ms", "int",
                "partition_details", arrayOf("PartitionState"));
        s.put("TopicDetail", detail);
        s.put("TopicConfig", object("name", "string", "partitions", "int", "replica_factor", "int",
                "retention_ms", "int", "retention_bytes", "int", "segment_bytes", "int", "segment_ms", "int",
                "ttl_ms", "int"));
        Map<String, Object> settings = object("retention_ms", "int", "retention_bytes", "int",
                "segment_bytes", "int", "segment_ms", "int", "ttl_ms", "int");
        Map<String, Object> change = new LinkedHashMap<>(settings);
        @SuppressWarnings("unchecked")
        Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) settings.get("properties"));
        props.put("config", settings);
        change.put("properties", props);
        change.put("description", "the settings to change (only those given; -1 or null = the broker default), "
                + "at the top level or in config");
        s.put("TopicConfigChange", change);
        Map<String, Object> newTopic = object("name", "string", "partitions", "int", "replica_factor", "int",
                "retention_ms", "int", "retention_bytes", "int", "options", object("partitions", "int",
                        "replica_factor", "int", "retention_ms", "int", "retention_bytes", "int"));
        newTopic.put("required", List.of("name"));
        s.put("NewTopic", newTopic);
        s.put("User", object("username", "string", "roles", "string[]", "permissions", "string[]",
                "enabled", "boolean", "created_at", "string", "updated_at", "string"));
        s.put("UserList", arrayOf("User"));
        s.put("Token", object("token", "string", "token_type", "string", "user", "string", "expires_in", "int",
                "expires_at", "string"));
        Map<String, Object> newUser = object("username", "string", "password", "string", "roles", "string[]");
        newUser.put("required", List.of("username", "password"));
        s.put("NewUser", newUser);
        s.put("UserChange", object("roles", "string[]", "enabled", "boolean"));
        Map<String, Object> password = object("old_password", "string", "new_password", "string");
        password.put("required", List.of("new_password"));
        s.put("PasswordChange", password);
        s.put("Role", object("name", "string", "permissions", "string[]", "description", "string"));
        s.put("RoleList", arrayOf("Role"));
        s.put("Acl", object("topic", "string", "exists", "boolean", "public", "boolean", "allowed_users", "string[]",
                "allowed_roles", "string[]"));
        s.put("AclList", arrayOf("Acl"));
        s.put("AclChange", object("public", "boolean", "allowed_users", "string[]", "allowed_roles", "string[]"));
        s.put("AuditEvent", object("id", "string", "timestamp", "string", "type", "string", "user", "string",
                "client_ip", "string", "resource", "string", "action", "string", "result", "string",
                "details", "object", "node_id", "string"));
        s.put("AuditPage", object("events", arrayOf("AuditEvent"), "total_count", "int", "has_more", "boolean"));
        s.put("AuditExport", object("filter", object("start_time", "string", "end_time", "string",
                "event_types", "string[]", "user", "string", "resource", "string", "result", "string",
                "search", "string", "limit", "int", "offset", "int"),
                "format", Json.obj("type", "string", "enum", List.of("json", "csv"))));
        s.put("Header", object("key", "string", "value", "string"));
        s.put("Message", object("offset", "int", "timestamp", "int", "time", "string", "key", "string",
                "value", "string", "headers", arrayOf("Header")));
        s.put("MessagePage", object("topic", "string", "partition", "int", "start_offset", "int",
                "end_offset", "int", "next_offset", "int", "encoding", "string", "messages", arrayOf("Message")));
        s.put("Group", object("name", "string", "topics", "string[]", "members", "int", "state", "string",
                "lag", "int"));
        s.put("GroupList", arrayOf("Group"));
        s.put("GroupPartition", object("topic", "string", "partition", "int", "offset", "int", "end_offset", "int",
                "lag", "int", "lag_seconds", "number?"));
        s.put("GroupDetail", object("name", "string", "state", "string", "members", "int", "member_ids",
                "string[]", "topics", "string[]", "lag", "int", "max_lag_seconds", "number",
                "partitions", arrayOf("GroupPartition")));
        s.put("GroupLag", object("name", "string", "lag", "int", "max_lag_seconds", "number",
                "partitions", arrayOf("GroupPartition")));
        Map<String, Object> reset = object("topic", "string", "partition", "int",
                "mode", Json.obj("type", "string", "enum", List.of("earliest", "latest", "offset", "timestamp")),
                "offset", "int", "timestamp", "int");
        reset.put("required", List.of("topic", "mode"));
        s.put("ResetOffsets", reset);
        s.put("Reassign", object("new_replicas", "string[]", "new_leader", "string", "cancel", "boolean"));
        s.put("ReassignAccepted", object("success", "boolean", "message", "string", "topic", "string",
                "partition", "int", "new_leader", "string", "new_replicas", "string[]"));
        s.put("PartitionMove", object("topic", "string", "partition", "int", "from", "string[]", "to", "string[]",
                "cancelling", "boolean"));
        s.put("ReassignmentList", object("reassignments", arrayOf("PartitionMove")));
        s.put("Rebalance", object("dry_run", "boolean"));
        s.put("RebalanceResult", object("success", "boolean", "dry_run", "boolean", "moves", arrayOf("PartitionMove"),
                "message", "string"));
        s.put("Snapshot", object("time", "int", "cluster", "#Cluster", "topics", "#TopicList",
                "groups", "#GroupList", "traffic", "#Traffic"));
        return s;
    }
}
