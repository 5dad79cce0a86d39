package flymq.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import flymq.container.Manifests.Doc;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests of examples/kubernetes: valid for the Kubernetes API (read strictly into its model classes, see
 * {@link Manifests}), and consistent with the broker and the image they run: the probes are the observability
 * guide's, every {@code FLYMQ_*} variable is a configuration key, {@code peers} names every StatefulSet member
 * under the headless Service's DNS names, Services and the ServiceMonitor select pods and ports that exist.
 */
class KubernetesManifestsTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("flymq.examples", "../examples/kubernetes"));
    private static final Path REPO = EXAMPLES.resolve("../..").normalize();
    private static final int UID = 65532;
    private static final Pattern ENV_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private static List<Doc> docs;

    @BeforeAll
    static void readManifests() throws Exception {
        docs = Manifests.readDirectory(EXAMPLES);
    }

    @Test
    void everyManifestIsValidForTheKubernetesApi() {
        Set<String> kinds = docs.stream().map(Doc::kind).collect(Collectors.toSet());
        assertEquals(Set.of("Service", "StatefulSet", "PodDisruptionBudget", "ServiceMonitor", "Deployment",
                "PersistentVolumeClaim"), kinds, "the examples hold these kinds");
    }

    @Test
    void aFieldTheApiDoesNotHaveIsRejected() {
        String typo = """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: x}
                spec:
                  replica: 3
                  selector: {matchLabels: {a: b}}
                  template:
                    metadata: {labels: {a: b}}
                    spec:
                      containers: [{name: c, image: i, livenessprobe: {}}]
                """;
        var e = assertThrows(Manifests.ManifestException.class, () -> Manifests.read("typo.yaml", typo));
        assertTrue(e.getMessage().contains("StatefulSet.spec.replica"), e.getMessage());
        assertTrue(e.getMessage().contains("containers[0].livenessprobe"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsRejected() {
        String quoted = """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: x}
                spec: {minAvailable: 2, selector: {matchLabels: {a: b}}, unhealthyPodEvictionPolicy: [Always]}
                """;
        assertThrows(Manifests.ManifestException.class, () -> Manifests.read("type.yaml", quoted));
        String replicas = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec: {replicas: "1", selector: {matchLabels: {a: b}}, template: {spec: {containers: []}}}
                """;
        assertThrows(Manifests.ManifestException.class, () -> Manifests.read("type.yaml", replicas));
    }

    @Test
    void anUnknownKindIsRejected() {
        String kind = "apiVersion: apps/v1\nkind: StatefullSet\nmetadata: {name: x}\n";
        var e = assertThrows(Manifests.ManifestException.class, () -> Manifests.read("kind.yaml", kind));
        assertTrue(e.getMessage().contains("apps/v1/StatefullSet"), e.getMessage());
    }

    @Test
    void probesAreTheObservabilityGuidesExactly() throws Exception {
        JsonNode guide = guideProbes();
        int containers = 0;
        for (Doc d : docs) {
            JsonNode podSpec = d.yaml().path("spec").path("template").path("spec");
            for (JsonNode c : podSpec.path("containers")) {
                containers++;
                assertEquals(guide.get("livenessProbe"), c.get("livenessProbe"), d + ": livenessProbe");
                assertEquals(guide.get("readinessProbe"), c.get("readinessProbe"), d + ": readinessProbe");
            }
        }
        assertEquals(2, containers, "the StatefulSet's and the Deployment's broker containers");
    }

    @Test
    void theClusterIsThreeRaftMembersNamedByTheirPods() {
        StatefulSet sts = single(StatefulSet.class);
        int replicas = sts.getSpec().getReplicas();
        assertEquals(3, replicas);
        assertEquals("Parallel", sts.getSpec().getPodManagementPolicy(),
                "members start together: /ready needs a Raft majority, OrderedReady would wait forever");
        Service headless = service(sts.getSpec().getServiceName());
        assertEquals("None", headless.getSpec().getClusterIP(), "serviceName is a headless Service");
        assertEquals(Boolean.TRUE, headless.getSpec().getPublishNotReadyAddresses(),
                "members resolve each other before they are ready");
        assertSelects(headless.getSpec().getSelector(), sts.getSpec().getTemplate(), headless.getMetadata().getName());

        Container broker = sts.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, String> env = env(broker);
        assertEquals("metadata.name", broker.getEnv().stream().filter(e -> e.getName().equals("POD_NAME"))
                .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());
        assertEquals("$(POD_NAME)", env.get("FLYMQ_NODE_ID"), "node_id is the pod name: <set>-<ordinal>");
        int clusterPort = containerPort(broker, "cluster");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String pod = sts.getMetadata().getName() + "-" + i;
            expected.add(pod + "@" + pod + "." + headless.getMetadata().getName() + ".$(POD_NAMESPACE).svc:"
                    + clusterPort);
        }
        assertEquals(expected, List.of(env.get("FLYMQ_PEERS").split(",")),
                "peers: every member by its pod name and stable DNS name, at its cluster port");
        assertEquals("$(POD_NAME)." + headless.getMetadata().getName() + ".$(POD_NAMESPACE).svc:"
                + containerPort(broker, "client"), env.get("FLYMQ_ADVERTISED_ADDR"));
        assertTrue(sts.getSpec().getVolumeClaimTemplates().stream()
                .anyMatch(c -> c.getMetadata().getName().equals("data")), "a volume claim per member");
    }

    @Test
    void environmentVariablesAreConfigurationKeysAndReferenceEarlierOnes() throws Exception {
        Set<String> keys = configurationVariables();
        assertTrue(keys.contains("FLYMQ_PEERS") && keys.contains("FLYMQ_NODE_ID"), "read docs/configuration.md");
        for (Doc d : docs) {
            for (Container c : containers(d)) {
                Set<String> defined = new HashSet<>();
                for (EnvVar e : c.getEnv()) {
                    if (e.getName().startsWith("FLYMQ_")) {
                        assertTrue(keys.contains(e.getName()), d + ": " + e.getName() + " is no configuration key");
                    }
                    // Kubernetes expands $(VAR) only for variables defined earlier in the list
                    Matcher m = ENV_REF.matcher(e.getValue() == null ? "" : e.getValue());
                    while (m.find()) {
                        assertTrue(defined.contains(m.group(1)), d + ": " + e.getName() + " uses $(" + m.group(1)
                                + ") before it is defined");
                    }
                    defined.add(e.getName());
                }
            }
        }
    }

    @Test
    void containersRunAsTheImagesUserWithNothingWritableButTheirVolumes() {
        for (Doc d : docs) {
            PodSpec pod = podSpec(d);
            if (pod == null) {
                continue;
            }
            var psc = pod.getSecurityContext();
            assertEquals(Boolean.TRUE, psc.getRunAsNonRoot(), d + ": runAsNonRoot");
            assertEquals(Long.valueOf(UID), psc.getRunAsUser(), d + ": the image's user");
            assertEquals(Long.valueOf(UID), psc.getFsGroup(), d + ": volumes writable by the image's user");
            assertEquals("RuntimeDefault", psc.getSeccompProfile().getType(), d + ": seccomp");
            for (Container c : pod.getContainers()) {
                var sc = c.getSecurityContext();
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), d + ": allowPrivilegeEscalation");
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), d + ": readOnlyRootFilesystem");
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), d + ": capabilities");
                Set<String> mounts = c.getVolumeMounts().stream().map(VolumeMount::getMountPath)
                        .collect(Collectors.toSet());
                assertEquals(Set.of("/var/lib/flymq", "/tmp"), mounts, d + ": the data volume and a scratch /tmp");
                assertEquals(System.getProperty("flymq.container.name", "flymq:0.1.0-SNAPSHOT"), c.getImage(),
                        d + ": the image this build makes");
                assertEquals(List.of("server", "start"), c.getArgs(), d + ": args");
                assertNotNull(c.getResources().getRequests().get("memory"), d + ": memory request");
                assertNotNull(c.getResources().getLimits().get("memory"), d + ": memory limit");
                assertFalse(c.getResources().getLimits().containsKey("cpu"),
                        d + ": no CPU limit (a throttled leader misses Raft heartbeats)");
            }
        }
    }

    @Test
    void servicesSelectPodsAndNamedPortsThatExist() {
        List<PodTemplateSpec> templates = new ArrayList<>();
        for (Doc d : docs) {
            if (d.object() instanceof StatefulSet s) {
                templates.add(s.getSpec().getTemplate());
            } else if (d.object() instanceof Deployment dep) {
                templates.add(dep.getSpec().getTemplate());
            }
        }
        for (Service svc : Manifests.all(docs, Service.class)) {
            List<PodTemplateSpec> selected = templates.stream()
                    .filter(t -> t.getMetadata().getLabels().entrySet()
                            .containsAll(svc.getSpec().getSelector().entrySet()))
                    .toList();
            assertEquals(1, selected.size(), svc.getMetadata().getName() + " selects one workload's pods");
            Container c = selected.getFirst().getSpec().getContainers().getFirst();
            for (ServicePort p : svc.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort();
                assertEquals(p.getPort(), containerPort(c, target.getStrVal()),
                        svc.getMetadata().getName() + " port " + p.getName()
                                + " reaches the container port of its name");
            }
        }
    }

    @Test
    void disruptionBudgetKeepsARaftMajority() {
        StatefulSet sts = single(StatefulSet.class);
        PodDisruptionBudget pdb = single(PodDisruptionBudget.class);
        assertSelects(pdb.getSpec().getSelector().getMatchLabels(), sts.getSpec().getTemplate(), "the budget");
        int replicas = sts.getSpec().getReplicas();
        int maxUnavailable = pdb.getSpec().getMaxUnavailable().getIntVal();
        assertTrue(replicas - maxUnavailable > replicas / 2,
                "with " + maxUnavailable + " of " + replicas + " members away a majority is left");
    }

    @Test
    void serviceMonitorScrapesEveryMembersMetricsPort() {
        ServiceMonitor sm = single(ServiceMonitor.class);
        Map<String, String> selector = sm.getSpec().getSelector().getMatchLabels();
        List<Service> scraped = Manifests.all(docs, Service.class).stream()
                .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
        assertEquals(List.of(single(StatefulSet.class).getSpec().getServiceName()),
                scraped.stream().map(s -> s.getMetadata().getName()).toList(),
                "the headless Service: its endpoints are every member, ready or not");
        var endpoint = sm.getSpec().getEndpoints().getFirst();
        assertEquals("/metrics", endpoint.getPath());
        ServicePort port = scraped.getFirst().getSpec().getPorts().stream()
                .filter(p -> p.getName().equals(endpoint.getPort())).findFirst().orElseThrow();
        assertEquals(9094, port.getPort(), "observability.metrics.addr's port");
    }

    @Test
    void developmentBrokerIsOneStandalonePodOnItsClaim() {
        Deployment dev = single(Deployment.class);
        assertEquals(Integer.valueOf(1), dev.getSpec().getReplicas());
        assertEquals("Recreate", dev.getSpec().getStrategy().getType(), "never two pods on one data directory");
        Container c = dev.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertFalse(env(c).containsKey("FLYMQ_PEERS"), "standalone: no peers");
        String claim = dev.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("data")).findFirst().orElseThrow()
                .getPersistentVolumeClaim().getClaimName();
        assertTrue(docs.stream().anyMatch(d -> d.kind().equals("PersistentVolumeClaim") && d.name().equals(claim)),
                "the claim " + claim + " is in the examples");
    }

    private static JsonNode guideProbes() throws Exception {
        String doc = Files.readString(REPO.resolve("docs/observability.md"));
        int heading = doc.indexOf("### Kubernetes configuration");
        assertTrue(heading >= 0, "docs/observability.md has the guide's Kubernetes configuration");
        int start = doc.indexOf("```yaml\n", heading) + "```yaml\n".length();
        int end = doc.indexOf("```", start);
        return new YAMLMapper().readTree(doc.substring(start, end));
    }

    /** The environment variables of the generated key table of docs/configuration.md (ConfigurationDocTest). */
    private static Set<String> configurationVariables() throws Exception {
        Set<String> out = new HashSet<>();
        Matcher m = Pattern.compile("^\\| `[^`]+` \\| `(FLYMQ_[A-Z0-9_]+)` \\|", Pattern.MULTILINE)
                .matcher(Files.readString(REPO.resolve("docs/configuration.md")));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static <T> T single(Class<T> type) {
        List<T> all = Manifests.all(docs, type);
        assertEquals(1, all.size(), "one " + type.getSimpleName());
        return all.getFirst();
    }

    private static Service service(String name) {
        return Manifests.all(docs, Service.class).stream().filter(s -> s.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no Service " + name));
    }

    private static PodSpec podSpec(Doc d) {
        if (d.object() instanceof StatefulSet s) {
            return s.getSpec().getTemplate().getSpec();
        }
        if (d.object() instanceof Deployment dep) {
            return dep.getSpec().getTemplate().getSpec();
        }
        return null;
    }

    private static List<Container> containers(Doc d) {
        PodSpec pod = podSpec(d);
        return pod == null ? List.of() : pod.getContainers();
    }

    private static Map<String, String> env(Container c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            out.put(e.getName(), e.getValue());
        }
        return out;
    }

    private static int containerPort(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no port named " + name));
    }

    private static void assertSelects(Map<String, String> selector, PodTemplateSpec pods, String who) {
        assertFalse(selector.isEmpty(), who + " has a selector");
        assertTrue(pods.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()),
                who + " selects the pods: " + selector + " in " + pods.getMetadata().getLabels());
    }
}
