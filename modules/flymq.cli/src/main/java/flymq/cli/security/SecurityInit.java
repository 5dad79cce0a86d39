package flymq.cli.security;

import flymq.broker.tls.CertificateAuthority;
import flymq.broker.tls.CertificateAuthority.KeyType;
import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.FlyMq;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `flymq security init`: a CA and certificates signed by it for the nodes of a development or test cluster and for
 * a client, as PEM files in one directory. An existing CA in the directory is reused (so nodes can be added later);
 * existing node and client files are replaced.
 */
@Command(name = "init",
        header = "Create a CA and node and client certificates (PEM) for a development or test cluster.",
        description = {
            "",
            "Writes into --dir: ca.crt and ca.key (reused when they exist, so nodes can be added later), "
                    + "NODE.crt and NODE.key for every --nodes entry, and CLIENT.crt and CLIENT.key for --client. "
                    + "Node certificates name the node id, every --hosts entry, localhost and 127.0.0.1, and are valid "
                    + "for TLS servers and clients both. Keys are readable by their owner only.",
            "",
            "A broker then uses security.tls_cert_file=DIR/NODE.crt, security.tls_key_file=DIR/NODE.key and, "
                    + "to require client certificates, security.tls_ca_file=DIR/ca.crt with "
                    + "security.tls_client_auth=require; clients connect with "
                    + "--tls-ca DIR/ca.crt [--tls-cert DIR/CLIENT.crt --tls-key DIR/CLIENT.key].",
            "",
            "Examples:",
            "  flymq security init --dir certs --nodes n1,n2,n3 --hosts broker1.example,broker2.example,"
                    + "broker3.example",
            "  flymq security init --dir certs --nodes n4            (adds a node, signed by the same CA)",
            ""},
        mixinStandardHelpOptions = true)
public final class SecurityInit implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "certs",
            description = "Where to write the files (created owner-only if missing; default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--nodes", paramLabel = "ID,...", split = ",", defaultValue = "flymq-1",
            description = "Node ids to make certificates for (default: ${DEFAULT-VALUE}).")
    List<String> nodes;

    @Option(names = "--hosts", paramLabel = "NAME,...", split = ",",
            description = "Extra DNS names or IP addresses every node certificate is valid for.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--client", paramLabel = "NAME", defaultValue = "client",
            description = "Name of the client certificate for mutual TLS (default: ${DEFAULT-VALUE}); "
                    + "'' makes none.")
    String client;

    @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "ec",
            description = "Key type of new keys: ec (P-256) or rsa (2048 bits) (default: ${DEFAULT-VALUE}).")
    KeyType keyType;

    @Option(names = "--days", paramLabel = "N", defaultValue = "365",
            description = "Validity of node and client certificates in days (the CA gets ten years; "
                    + "default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
        var g = FlyMq.globals(spec);
        if (days < 1) {
            throw new CliException(ExitCode.USAGE, "--days must be >= 1, got " + days);
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String n : nodes) {
            String id = n.strip();
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new CliException(ExitCode.USAGE, "bad --nodes entry '" + n + "': a node id of letters, "
                        + "digits, '.', '_' and '-' (it names the files)");
            }
            ids.add(id);
        }
        if (!client.isEmpty() && !client.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new CliException(ExitCode.USAGE, "bad --client '" + client + "': letters, digits, '.', '_', '-'");
        }
        if (!client.isEmpty() && ids.contains(client)) {
            throw new CliException(ExitCode.USAGE, "--client '" + client + "' is also a node id: the files would "
                    + "collide");
        }
        Duration validity = Duration.ofDays(days);
        try {
            createDirectory(dir);
            Path caCert = dir.resolve("ca.crt");
            Path caKey = dir.resolve("ca.key");
            CertificateAuthority ca;
            boolean reused = Files.exists(caCert) && Files.exists(caKey);
            if (reused) {
                ca = CertificateAuthority.load(caCert, caKey);
            } else if (Files.exists(caCert) || Files.exists(caKey)) {
                throw CliException.failed(dir + " holds only one of ca.crt and ca.key: restore the other or remove "
                        + "both to make a new CA");
            } else {
                ca = CertificateAuthority.create("FlyMQ test CA", keyType, Duration.ofDays(3650));
                ca.write(caCert, caKey);
            }
            g.out().println((reused ? "reused   " : "created  ") + caCert + " and " + caKey.getFileName());
            for (String id : ids) {
                Set<String> names = new LinkedHashSet<>();
                names.add(id);
                hosts.stream().map(String::strip).filter(h -> !h.isEmpty()).forEach(names::add);
                names.add("localhost");
                names.add("127.0.0.1");
                ca.issue(id, List.copyOf(names), keyType, validity)
                        .write(dir.resolve(id + ".crt"), dir.resolve(id + ".key"));
                g.out().println("created  " + dir.resolve(id + ".crt") + " and " + id + ".key for " + names);
            }
            if (!client.isEmpty()) {
                ca.issue(client, List.of(), keyType, validity)
                        .write(dir.resolve(client + ".crt"), dir.resolve(client + ".key"));
                g.out().println("created  " + dir.resolve(client + ".crt") + " and " + client + ".key (client)");
            }
        } catch (IOException e) {
            throw CliException.failed("cannot write the certificates into " + dir + ": " + e.getMessage());
        }
        g.out().flush();
        return ExitCode.OK;
    }

    private static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent != null && Files.getFileStore(parent).supportsFileAttributeView("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }
}
