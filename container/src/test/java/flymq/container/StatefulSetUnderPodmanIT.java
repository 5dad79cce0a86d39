package flymq.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The StatefulSet of examples/kubernetes/flymq-cluster.yaml starts a Raft cluster: its pods are played by podman
 * containers of this build's image, each given what the kubelet would give it (the pod name as host name, the
 * container's environment with {@code $(VAR)} and the downward API expanded, its args, a read-only root with a
 * scratch /tmp) and DNS names of the headless Service as host entries. Every member becomes ready (/ready, the
 * readiness probe), the cluster lists them all, and a record produced through one member is read through another.
 */
class StatefulSetUnderPodmanIT {
    private static final Path TAR = Path.of(System.getProperty("flymq.container.tar", "target/flymq-image.tar"));
    private static final Path EXAMPLES = Path.of(System.getProperty("flymq.examples", "../examples/kubernetes"));
    private static final String NAMESPACE = "default";
    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    @Test
    void theStatefulSetsPodsFormAClusterThatServesThroughAnyMember() throws Exception {
        assumeTrue(Podman.usable(), Podman.reason());
        StatefulSet sts = Manifests.all(Manifests.readDirectory(EXAMPLES), StatefulSet.class).getFirst();
        String headless = sts.getSpec().getServiceName();
        int replicas = sts.getSpec().getReplicas();
        Container spec = sts.getSpec().getTemplate().getSpec().getContainers().getFirst();

        ImageTarball image = ImageTarball.read(TAR);
        Podman.Result load = Podman.run("load", "-i", TAR.toAbsolutePath().toString());
        assertEquals(0, load.exit(), load.out());
        long pid = ProcessHandle.current().pid();
        String network = "flymq-sts-" + pid;
        // a subnet of the test's own bridge network, picked per process so parallel runs do not collide
        String subnet = "10.89." + (20 + pid % 200) + ".";
        List<String> names = new ArrayList<>();
        Podman.run("network", "rm", "-f", network);
        Podman.Result net = Podman.run("network", "create", "--subnet", subnet + "0/24", network);
        assertEquals(0, net.exit(), net.out());
        try {
            List<String> hosts = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                hosts.add("--add-host");
                hosts.add(sts.getMetadata().getName() + "-" + i + "." + headless + "." + NAMESPACE + ".svc:" + subnet
                        + (10 + i));
            }
            List<Integer> healthPorts = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                String pod = sts.getMetadata().getName() + "-" + i;
                String name = network + "-" + pod;
                names.add(name);
                List<String> args = new ArrayList<>(List.of("--hostname", pod, "--network", network,
                        "--ip", subnet + (10 + i), "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                        "--security-opt", "no-new-privileges", "-p", "127.0.0.1::9095"));
                args.addAll(hosts);
                for (var e : kubeletEnvironment(spec, pod).entrySet()) {
                    args.add("-e");
                    args.add(e.getKey() + "=" + e.getValue());
                }
                args.add(image.id());
                args.addAll(spec.getArgs());
                Podman.Result run = Podman.runDetached(name, args.toArray(String[]::new));
                assertEquals(0, run.exit(), run.out());
                healthPorts.add(Podman.hostPort(name, 9095));
            }
            for (int i = 0; i < replicas; i++) {
                String name = names.get(i);
                assertTrue(Podman.waitReady(healthPorts.get(i), Duration.ofSeconds(120)),
                        () -> name + ": /ready never answered 200; logs:\n" + Podman.logs(name));
            }
            Podman.Result status = Podman.run("exec", names.getFirst(), "flymq", "cluster", "status");
            assertEquals(0, status.exit(), status.out());
            for (int i = 0; i < replicas; i++) {
                String member = sts.getMetadata().getName() + "-" + i + "." + headless + "." + NAMESPACE
                        + ".svc:9092";
                assertTrue(status.out().contains(member), "cluster status lists " + member + ":\n" + status.out());
            }
            Podman.Result create = Podman.run("exec", names.get(1), "flymq", "topic", "create", "sts",
                    "--partitions", "3");
            assertEquals(0, create.exit(), create.out());
            Podman.Result produce = Podman.run("exec", names.get(1), "flymq", "produce", "sts", "through-member-1",
                    "--key", "k", "--acks", "all");
            assertEquals(0, produce.exit(), produce.out());
            Podman.Result consume = Podman.run("exec", names.get(replicas - 1), "flymq", "consume", "sts",
                    "--from", "earliest", "--max", "1");
            assertEquals(0, consume.exit(), consume.out());
            assertTrue(consume.out().contains("through-member-1"), consume.out());
        } finally {
            for (String name : names) {
                Podman.run("rm", "-f", "-v", name);
            }
            Podman.run("network", "rm", "-f", network);
            Podman.run("rmi", image.id());
        }
    }

    /**
     * The container's environment as the kubelet builds it: the downward API's pod name and namespace, then each
     * value with {@code $(VAR)} replaced by a variable defined before it.
     */
    static Map<String, String> kubeletEnvironment(Container c, String pod) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            String value;
            if (e.getValueFrom() != null) {
                String field = e.getValueFrom().getFieldRef().getFieldPath();
                value = switch (field) {
                    case "metadata.name" -> pod;
                    case "metadata.namespace" -> NAMESPACE;
                    default -> throw new AssertionError("the test does not play the downward API's " + field);
                };
            } else {
                Matcher m = REF.matcher(e.getValue());
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    String v = env.get(m.group(1));
                    m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
                }
                m.appendTail(sb);
                value = sb.toString();
            }
            env.put(e.getName(), value);
        }
        return env;
    }
}
