package flymq.broker.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a reader JSON Schema accepts every document a writer JSON Schema accepts (the writer's documents are a
 * subset of the reader's): the registry's compatibility rule for JSON Schema. No library decides this, so the rule
 * set is small and conservative: it passes only what it can prove, and names the first thing it cannot.
 *
 * <p>The rules, applied to each pair of subschemas from the root down (a subschema absent on one side stands for
 * {@code true}, "anything"):
 * <ul>
 *   <li>A reader of {@code true} or {@code {}} (annotations only) accepts anything; a writer of {@code false}
 *       writes nothing. A writer that leaves something open (no {@code type}, no {@code enum}, ...) that the reader
 *       restricts is a problem.</li>
 *   <li>{@code type}: every writer type is a reader type ({@code integer} counts as a {@code number}).</li>
 *   <li>{@code enum}/{@code const}: a restricting reader needs a writer restricted to a subset of its values.</li>
 *   <li>Bounds ({@code minimum}, {@code exclusiveMinimum}, {@code minLength}, {@code minItems},
 *       {@code minProperties}, and the {@code max} forms): a reader bound needs the same writer bound, at least as
 *       tight. {@code pattern}, {@code format}, {@code multipleOf}: the writer's must equal the reader's.
 *       {@code uniqueItems: true} in the reader needs it in the writer.</li>
 *   <li>Objects: the reader's {@code required} properties are required by the writer; a property both declare is
 *       compared recursively; a property only the reader declares is compared with what the writer allows for
 *       undeclared properties ({@code additionalProperties}, default anything: so adding a constrained property to
 *       an open object breaks backward compatibility, as in Confluent's rules for open content models); a property
 *       only the writer declares must be allowed by the reader's {@code additionalProperties}.</li>
 *   <li>Arrays: {@code items} compared recursively.</li>
 *   <li>Any other assertion keyword in the reader ({@code $ref}, {@code allOf}, {@code anyOf}, {@code oneOf},
 *       {@code not}, {@code if}, {@code patternProperties}, {@code prefixItems}, ...) passes only when the writer's
 *       subschema is identical to the reader's (and, with {@code $ref}, the root {@code $defs}/{@code definitions}
 *       too). Keywords only the writer has can only narrow what it writes, so they are safe to ignore.</li>
 * </ul>
 */
final class JsonSchemaCompatibility {
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$anchor", "$comment", "$defs",
            "definitions", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
            "$vocabulary", "contentMediaType", "contentEncoding");
    private static final Set<String> COMPARED = Set.of("type", "enum", "const", "properties", "required",
            "additionalProperties", "items", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "pattern", "format",
            "multipleOf", "uniqueItems");
    private static final List<String> LOWER = List.of("minimum", "exclusiveMinimum", "minLength", "minItems",
            "minProperties");
    private static final List<String> UPPER = List.of("maximum", "exclusiveMaximum", "maxLength", "maxItems",
            "maxProperties");
    private static final List<String> EQUAL = List.of("pattern", "format", "multipleOf");

    private JsonSchemaCompatibility() {
    }

    /** Why {@code reader} does not accept every document {@code writer} accepts; empty when it does. */
    static List<String> readProblems(JsonNode reader, JsonNode writer) {
        List<String> out = new ArrayList<>();
        if (mentionsRef(reader) && !sameDefs(reader, writer)) {
            out.add("#: the schemas use $ref and their $defs/definitions differ (compared only when identical)");
            return out;
        }
        compare(reader, writer, "#", out);
        return out;
    }

    private static void compare(JsonNode r, JsonNode w, String path, List<String> out) {
        if (acceptsAnything(r) || w.isBoolean() && !w.booleanValue()) {
            return;
        }
        if (r.isBoolean()) { // false: accepts nothing, the writer writes something
            out.add(path + ": the reader accepts nothing (false), the writer accepts documents");
            return;
        }
        if (w.isBoolean() || !w.isObject()) { // writer true: anything
            out.add(path + ": the writer accepts any document here, the reader restricts it ("
                    + String.join(", ", constraints(r)) + ")");
            return;
        }
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ANNOTATIONS.contains(k) && !COMPARED.contains(k) && !r.equals(w)) {
                out.add(path + ": the reader uses '" + k + "', which this rule set compares only in identical "
                        + "subschemas, and the writer's subschema differs");
                return;
            }
        }
        compareTypes(r, w, path, out);
        compareEnums(r, w, path, out);
        for (String k : LOWER) {
            if (r.has(k) && (!w.has(k) || !w.get(k).isNumber() || w.get(k).decimalValue().compareTo(
                    r.get(k).decimalValue()) < 0)) {
                out.add(path + ": the reader requires " + k + " " + r.get(k) + ", the writer "
                        + (w.has(k) ? "only " + k + " " + w.get(k) : "has no " + k));
            }
        }
        for (String k : UPPER) {
            if (r.has(k) && (!w.has(k) || !w.get(k).isNumber() || w.get(k).decimalValue().compareTo(
                    r.get(k).decimalValue()) > 0)) {
                out.add(path + ": the reader requires " + k + " " + r.get(k) + ", the writer "
                        + (w.has(k) ? "only " + k + " " + w.get(k) : "has no " + k));
            }
        }
        for (String k : EQUAL) {
            if (r.has(k) && !r.get(k).equals(w.get(k))) {
                out.add(path + ": the reader requires " + k + " " + r.get(k) + ", the writer "
                        + (w.has(k) ? k + " " + w.get(k) : "has none"));
            }
        }
        if (r.path("uniqueItems").asBoolean(false) && !w.path("uniqueItems").asBoolean(false)) {
            out.add(path + ": the reader requires uniqueItems, the writer does not");
        }
        compareObjects(r, w, path, out);
        if (r.has("items")) {
            compare(r.get("items"), w.has("items") ? w.get("items") : BooleanNode.TRUE, path + "/items", out);
        }
    }

    private static void compareObjects(JsonNode r, JsonNode w, String path, List<String> out) {
        Set<String> writerRequired = strings(w.get("required"));
        for (String p : strings(r.get("required"))) {
            if (!writerRequired.contains(p)) {
                out.add(path + ": the reader requires property '" + p + "', the writer does not");
            }
        }
        JsonNode rProps = r.path("properties");
        JsonNode wProps = w.path("properties");
        JsonNode rAdditional = r.has("additionalProperties") ? r.get("additionalProperties") : BooleanNode.TRUE;
        JsonNode wAdditional = w.has("additionalProperties") ? w.get("additionalProperties") : BooleanNode.TRUE;
        for (Iterator<Map.Entry<String, JsonNode>> it = rProps.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = e.getKey();
            if (wProps.has(p)) {
                compare(e.getValue(), wProps.get(p), path + "/properties/" + p, out);
            } else {
                List<String> sub = new ArrayList<>();
                compare(e.getValue(), wAdditional, path + "/properties/" + p, sub);
                if (!sub.isEmpty()) {
                    out.add(path + "/properties/" + p + ": property '" + p + "' is declared by the reader only, and "
                            + "the writer allows it with " + (wAdditional.isBoolean() && wAdditional.booleanValue()
                            ? "any value (its additionalProperties is open)" : "values the reader refuses")
                            + ": " + sub.getFirst());
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = wProps.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!rProps.has(e.getKey())) {
                List<String> sub = new ArrayList<>();
                compare(rAdditional, e.getValue(), path + "/properties/" + e.getKey(), sub);
                if (!sub.isEmpty()) {
                    out.add(path + "/properties/" + e.getKey() + ": property '" + e.getKey() + "' of the writer is "
                            + "not allowed by the reader's additionalProperties");
                }
            }
        }
        if (r.has("additionalProperties")) {
            compare(rAdditional, wAdditional, path + "/additionalProperties", out);
        }
    }

    private static void compareTypes(JsonNode r, JsonNode w, String path, List<String> out) {
        Set<String> rt = strings(r.get("type"));
        if (rt.isEmpty()) {
            return;
        }
        Set<String> wt = strings(w.get("type"));
        if (wt.isEmpty()) {
            if (!w.has("enum") && !w.has("const")) {
                out.add(path + ": the reader requires type " + rt + ", the writer allows any type");
            }
            return;
        }
        for (String t : wt) {
            if (!rt.contains(t) && !(t.equals("integer") && rt.contains("number"))) {
                out.add(path + ": the reader requires type " + rt + ", the writer allows " + wt);
                return;
            }
        }
    }

    private static void compareEnums(JsonNode r, JsonNode w, String path, List<String> out) {
        Set<JsonNode> allowed = values(r);
        if (allowed == null) {
            return;
        }
        Set<JsonNode> written = values(w);
        if (written == null) {
            out.add(path + ": the reader allows only " + allowed + ", the writer is not restricted to values");
            return;
        }
        for (JsonNode v : written) {
            if (!allowed.contains(v)) {
                out.add(path + ": the writer allows " + v + ", which the reader's enum/const " + allowed
                        + " does not");
                return;
            }
        }
    }

    /** The enum/const values of a subschema, or null when it has neither. */
    private static Set<JsonNode> values(JsonNode s) {
        if (s.has("const")) {
            return Set.of(s.get("const"));
        }
        if (s.has("enum") && s.get("enum").isArray()) {
            Set<JsonNode> v = new LinkedHashSet<>();
            s.get("enum").forEach(v::add);
            return v;
        }
        return null;
    }

    private static boolean acceptsAnything(JsonNode s) {
        if (s.isBoolean()) {
            return s.booleanValue();
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            if (!ANNOTATIONS.contains(it.next())) {
                return false;
            }
        }
        return true;
    }

    private static List<String> constraints(JsonNode s) {
        List<String> c = new ArrayList<>();
        s.fieldNames().forEachRemaining(k -> {
            if (!ANNOTATIONS.contains(k)) {
                c.add(k);
            }
        });
        return c;
    }

    private static Set<String> strings(JsonNode n) {
        Set<String> s = new LinkedHashSet<>();
        if (n == null) {
            return s;
        }
        if (n.isTextual()) {
            s.add(n.asText());
        } else if (n.isArray()) {
            n.forEach(e -> s.add(e.asText()));
        }
        return s;
    }

    private static boolean mentionsRef(JsonNode n) {
        if (n.isObject()) {
            if (n.has("$ref") || n.has("$dynamicRef")) {
                return true;
            }
            for (JsonNode c : n) {
                if (mentionsRef(c)) {
                    return true;
                }
            }
        } else if (n.isArray()) {
            for (JsonNode c : n) {
                if (mentionsRef(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean sameDefs(JsonNode r, JsonNode w) {
        return java.util.Objects.equals(r.get("$defs"), w.get("$defs"))
                && java.util.Objects.equals(r.get("definitions"), w.get("definitions"));
    }
}
