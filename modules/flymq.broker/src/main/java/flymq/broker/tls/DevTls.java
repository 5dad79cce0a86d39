package flymq.broker.tls;

import flymq.broker.DataDirLayout;
import flymq.protocol.tls.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code security.tls_auto_generate}: a CA and a server certificate it signed, made on first start under the data
 * directory's {@code tls/} (see {@link DataDirLayout}) and reused afterwards, so that a client told to trust
 * {@code tls/ca.crt} once keeps connecting across restarts. The server certificate is issued again (by the same CA)
 * when it is missing, expires within {@value #RENEW_DAYS} days, or does not name a host it should; the CA is made
 * again only when its files are missing. Keys are owner-only files in an owner-only directory.
 *
 * <p>For development and tests: clients must be given the CA file explicitly (nothing else trusts it).
 */
public final class DevTls {
    private static final System.Logger LOG = System.getLogger(DevTls.class.getName());
    static final int RENEW_DAYS = 30;
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVER_VALIDITY = Duration.ofDays(397);

    private DevTls() {
    }

    /**
     * Makes sure the data directory holds a usable CA and server certificate for {@code hostNames} (plus this
     * machine's names and addresses).
     */
    public static void ensure(DataDirLayout layout, List<String> hostNames) throws IOException {
        Path dir = layout.tlsDir();
        if (!Files.isDirectory(dir)) {
            if (Files.getFileStore(layout.root()).supportsFileAttributeView("posix")) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        CertificateAuthority ca;
        boolean newCa = !Files.exists(layout.tlsCaCertFile()) || !Files.exists(layout.tlsCaKeyFile());
        if (newCa) {
            ca = CertificateAuthority.create("FlyMQ development CA", CertificateAuthority.KeyType.EC, CA_VALIDITY);
            ca.write(layout.tlsCaCertFile(), layout.tlsCaKeyFile());
        } else {
            ca = CertificateAuthority.load(layout.tlsCaCertFile(), layout.tlsCaKeyFile());
        }
        Set<String> names = hostNames(hostNames);
        String why = newCa ? "a new CA" : serverCertificateProblem(layout.tlsServerCertFile(), ca, names);
        if (why == null) {
            return;
        }
        ca.issue("flymq-server", List.copyOf(names), CertificateAuthority.KeyType.EC, SERVER_VALIDITY)
                .write(layout.tlsServerCertFile(), layout.tlsServerKeyFile());
        LOG.log(System.Logger.Level.INFO, "TLS: generated a development certificate (" + why + ") for " + names
                + " in " + dir + "; clients trust it with the CA file " + layout.tlsCaCertFile());
    }

    /** Why the server certificate must be issued again, or null if it is fine. */
    private static String serverCertificateProblem(Path certFile, CertificateAuthority ca, Set<String> names)
            throws IOException {
        if (!Files.exists(certFile)) {
            return "none yet";
        }
        X509Certificate cert;
        try {
            cert = Pem.readCertificates(certFile).getFirst();
        } catch (IOException e) {
            return "the old one is unreadable";
        }
        if (cert.getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(RENEW_DAYS)))) {
            return "the old one expires on " + cert.getNotAfter().toInstant();
        }
        if (!cert.getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal())) {
            return "the old one was not signed by this CA";
        }
        try {
            cert.verify(ca.certificate().getPublicKey());
            var sans = cert.getSubjectAlternativeNames();
            Set<String> have = new LinkedHashSet<>();
            if (sans != null) {
                for (List<?> san : sans) {
                    have.add(String.valueOf(san.get(1)));
                }
            }
            for (String n : names) {
                if (!have.contains(n) && !have.contains(normalizedIp(n))) {
                    return "the old one does not name " + n;
                }
            }
        } catch (java.security.GeneralSecurityException e) {
            return "the old one was not signed by this CA";
        }
        return null;
    }

    /** IP addresses as the JDK prints SANs (IPv6 expanded), so that a comparison does not reissue every start. */
    private static String normalizedIp(String host) {
        if (!CertificateAuthority.isIpLiteral(host)) {
            return host;
        }
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (IOException e) {
            return host;
        }
    }

    /** The names a development certificate should cover: loopback, this host's name and addresses, and extras. */
    static Set<String> hostNames(List<String> extra) {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", normalizedIp("::1")));
        for (String e : extra) {
            String h = e.startsWith("[") && e.endsWith("]") ? e.substring(1, e.length() - 1) : e;
            if (!h.isBlank() && !h.equals("0.0.0.0") && !h.equals("::")) {
                names.add(normalizedIp(h));
            }
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) {
                        String text = a.getHostAddress();
                        int zone = text.indexOf('%');
                        names.add(zone < 0 ? text : text.substring(0, zone));
                    }
                }
            }
        } catch (SocketException e) {
            // no interface list: loopback and the configured names are still covered
        }
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            names.add(host);
        }
        return names;
    }
}
