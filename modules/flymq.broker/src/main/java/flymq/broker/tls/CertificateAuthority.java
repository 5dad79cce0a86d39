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
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for development and test set-ups: a self-signed CA certificate and its key, which issues
 * certificates for servers (and cluster nodes) and clients. Used by {@code security.tls_auto_generate} and by
 * {@code flymq security init}; production certificates come from an organisation's own CA.
 *
 * <p>Keys are made with the JDK ({@link KeyPairGenerator}); Bouncy Castle only assembles and signs the X.509
 * structure, because the JDK has no public API that builds certificates. Signing goes through the JDK's JCA
 * providers too (no Bouncy Castle provider is registered). Certificates carry what verifiers check: basic
 * constraints, key usage, extended key usage (server and client authentication for issued certificates, so that one
 * node certificate serves both ends of a cluster connection), subject alternative names, and key identifiers.
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

    private CertificateAuthority(Issued ca) {
        this.ca = ca;
    }

    /** A new CA with a self-signed certificate named {@code commonName}. */
    public static CertificateAuthority create(String commonName, KeyType keyType, Duration validity) {
        try {
            KeyPair pair = keyType.generate();
            X500Name name = name(commonName);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), notBefore(now),
                    Date.from(now.plus(validity)), name, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new CertificateAuthority(new Issued(sign(b, pair.getPrivate()), pair.getPrivate()));
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
        }
    }

    /** The CA stored in PEM files (as {@link #write} left them). */
    public static CertificateAuthority load(Path certFile, Path keyFile) throws IOException {
        return new CertificateAuthority(new Issued(Pem.readCertificates(certFile).getFirst(),
                Pem.readPrivateKey(keyFile)));
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
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate, serial(),
                    notBefore(now), Date.from(now.plus(validity)), name(commonName), pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            if (!hostNames.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, alternativeNames(hostNames));
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(ca.certificate));
            return new Issued(sign(b, ca.key), pair.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName + ": " + e.getMessage(),
                    e);
        }
    }

    private static GeneralNames alternativeNames(List<String> hostNames) {
        List<GeneralName> names = new ArrayList<>();
        for (String h : hostNames) {
            String host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            names.add(isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
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

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "FlyMQ").addRDN(BCStyle.CN, commonName)
                .build();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder(KeyType.signatureFor(issuerKey)).build(issuerKey)));
    }

    /** A positive random 127-bit serial (RFC 5280 allows up to 20 bytes; random serials never repeat in practice). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    /** A little in the past, so that a verifier whose clock is slightly behind accepts a certificate made now. */
    private static Date notBefore(Instant now) {
        return Date.from(now.minus(Duration.ofHours(1)));
    }
}
