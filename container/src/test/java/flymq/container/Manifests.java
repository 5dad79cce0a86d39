package flymq.container;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Kubernetes manifests into the Kubernetes API's model classes (fabric8's, generated from the API's OpenAPI
 * schema) strictly: a field the API does not have, a value of the wrong type, a kind or apiVersion we do not know
 * fails, naming the file, the document and the field's path. Each object keeps its YAML tree too, for comparing
 * parts of it verbatim.
 */
final class Manifests {
    /** One document of a manifest file: where it came from, its YAML as written, and the typed object. */
    record Doc(String source, JsonNode yaml, HasMetadata object) {
        String kind() {
            return object.getKind();
        }

        String name() {
            return object.getMetadata().getName();
        }

        @Override
        public String toString() {
            return source + " (" + kind() + " " + name() + ")";
        }
    }

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());
    /** No "3" for 3 or "true" for true: the API server rejects those, so must we. */
    private static final ObjectMapper MODEL = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private Manifests() {
    }

    static List<Doc> readDirectory(Path dir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path f : files) {
            docs.addAll(read(dir.relativize(f).toString(), Files.readString(f)));
        }
        return docs;
    }

    static List<Doc> read(String source, String text) throws IOException {
        List<Doc> docs = new ArrayList<>();
        int index = 0;
        try (var it = YAML.readValues(YAML.createParser(text), JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                index++;
                if (node == null || node.isNull() || node.isMissingNode()) {
                    continue;
                }
                String where = source + " document " + index;
                String type = node.path("apiVersion").asText() + "/" + node.path("kind").asText();
                Class<? extends HasMetadata> cls = KINDS.get(type);
                if (cls == null) {
                    throw new ManifestException(where + ": unknown apiVersion/kind " + type + " (known: "
                            + KINDS.keySet() + ")");
                }
                HasMetadata object;
                try {
                    object = MODEL.treeToValue(node, cls);
                } catch (IOException e) {
                    throw new ManifestException(where + " (" + type + "): " + e.getMessage(), e);
                }
                List<String> unknown = new ArrayList<>();
                unknownFields(object, node.path("kind").asText(), unknown, new IdentityHashMap<>());
                if (!unknown.isEmpty()) {
                    throw new ManifestException(where + " (" + type + "): fields the Kubernetes API does not have: "
                            + unknown);
                }
                if (object.getMetadata() == null || object.getMetadata().getName() == null) {
                    throw new ManifestException(where + " (" + type + "): metadata.name is required");
                }
                docs.add(new Doc(where, node, object));
            }
        }
        return docs;
    }

    /**
     * fabric8's model classes keep fields they do not know in {@code additionalProperties} instead of failing;
     * walks the object graph and collects every such field with its path.
     */
    private static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra) {
                    for (Object key : extra.keySet()) {
                        out.add(path + "." + key);
                    }
                }
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            unknownFields(value, path + "." + field, out, seen);
        }
    }

    static <T> List<T> all(List<Doc> docs, Class<T> type) {
        return docs.stream().map(Doc::object).filter(type::isInstance).map(type::cast).toList();
    }

    static Set<String> knownKinds() {
        return KINDS.keySet();
    }

    /** A manifest the Kubernetes API would reject, with where and why. */
    static final class ManifestException extends IOException {
        ManifestException(String message) {
            super(message);
        }

        ManifestException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
