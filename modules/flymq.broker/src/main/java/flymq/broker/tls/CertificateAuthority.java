package flymq.broker.tls;

import flymq.protocol.tls.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A certificate authority for development and test set-ups: a self-signed CA certificate and its key, which issues
 * certificates for servers (and cluster nodes) and clients. Used by {@code security.tls_auto_generate} and by
 * {@code flymq security init}; production certificates come from an organisation's own CA.
 *
 * <p>Keys are made and certificates signed with the JDK (JCA); {@link X509Builder} encodes the X.509 structure,
 * which the JDK has no public API for. Certificates carry what verifiers check: basic constraints, key usage, extended
 * key usage (server and client authentication for issued certificates, so that one node certificate serves both ends
 * of a cluster connection), subject alternative names, and key identifiers.
 */
public final class CertificateAuthority {
    /** Key types for new keys: ECDSA P-256 (fast to make and to handshake) or RSA 2048 (upstream's choice). */
    public enum KeyType {
        EC("EC", "SHA256withECDSA"),
        RSA("RSA", "SHA256withRSA");

        private final String algorithm;
        private final String signature;

        KeyType(String algorithm, String signature) {
            this.algorithm = algorithm;
            this.signature = signature;
        }

        KeyPair generate() throws GeneralSecurityException {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (this == EC) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        }

        static String signatureFor(PrivateKey key) {
            return key.getAlgorithm().equals("RSA") ? RSA.signature : EC.signature;
        }
    }

    /** A certificate with its private key. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
        /** Writes the certificate (world-readable) and the key (owner-only) as PEM. */
        public void write(Path certFile, Path keyFile) throws IOException {
            Pem.writeCertificates(certFile, List.of(certificate));
            Pem.writePrivateKey(keyFile, key);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Issued ca;
    /** The CN of the CA's certificate: the issuer name of what it issues. */
    private final String caName;

    private CertificateAuthority(Issued ca, String caName) {
        this.ca = ca;
        this.caName = caName;
    }

    /** A new CA with a self-signed certificate named {@code commonName}. */
    public static CertificateAuthority create(String commonName, KeyType keyType, Duration validity) {
        try {
            KeyPair pair = keyType.generate();
            Instant now = Instant.now();
            X509Certificate cert = X509Builder.sign(new X509Builder.Fields(serial(), commonName, commonName,
                    notBefore(now), now.plus(validity), pair.getPublic(), pair.getPublic(), true,
                    List.of(X509Builder.KEY_CERT_SIGN, X509Builder.CRL_SIGN), false, List.of()), pair.getPrivate());
            return new CertificateAuthority(new Issued(cert, pair.getPrivate()), commonName);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
        }
    }

    /** The CA stored in PEM files (as {@link #write} left them). */
    public static CertificateAuthority load(Path certFile, Path keyFile) throws IOException {
        X509Certificate cert = Pem.readCertificates(certFile).getFirst();
        String dn = cert.getSubjectX500Principal().getName();
        java.util.regex.Matcher cn = java.util.regex.Pattern.compile("(?:^|,)CN=([^,]+)").matcher(dn);
        if (!cn.find() || !dn.contains("O=FlyMQ")) {
            throw new IOException(certFile + ": not a CA made by FlyMQ (subject " + dn + ")");
        }
        return new CertificateAuthority(new Issued(cert, Pem.readPrivateKey(keyFile)), cn.group(1));
    }

    public X509Certificate certificate() {
        return ca.certificate;
    }

    /** Writes the CA certificate and its key (owner-only). */
    public void write(Path certFile, Path keyFile) throws IOException {
        ca.write(certFile, keyFile);
    }

    /**
     * A certificate for a server, node or client, signed by this CA, valid for TLS server and client authentication.
     *
     * @param commonName the subject's CN (a node id, a user name)
     * @param hostNames  DNS names and IP addresses it is valid for (may be empty for a client)
     */
    public Issued issue(String commonName, List<String> hostNames, KeyType keyType, Duration validity) {
        try {
            KeyPair pair = keyType.generate();
            Instant now = Instant.now();
            List<String> names = new ArrayList<>();
            for (String h : hostNames) {
                names.add(h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h);
            }
            X509Certificate cert = X509Builder.sign(new X509Builder.Fields(serial(), caName, commonName,
                    notBefore(now), now.plus(validity), pair.getPublic(), ca.certificate.getPublicKey(), false,
                    List.of(X509Builder.DIGITAL_SIGNATURE, X509Builder.KEY_ENCIPHERMENT), true, names), ca.key);
            return new Issued(cert, pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName + ": " + e.getMessage(),
                    e);
        }
    }

    /** An IPv4 or IPv6 literal (never a DNS look-up: {@link InetAddress#getByName} on a literal does none). */
    static boolean isIpLiteral(String host) {
        if (host.isEmpty() || !(host.contains(":") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            return false;
        }
        try {
            InetAddress.getByName(host);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A positive random 127-bit serial (RFC 5280 allows up to 20 bytes; random serials never repeat in practice). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** A little in the past, so that a verifier whose clock is slightly behind accepts a certificate made now. */
    private static Instant notBefore(Instant now) {
        return now.minus(Duration.ofHours(1));
    }
}
