package flymq.broker.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.broker.tls.CertificateAuthority.KeyType;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The certificates X509Builder encodes, as the JDK's own parser and PKIX validator read them. */
class CertificateAuthorityTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void issuedCertificatesCarryWhatVerifiersCheckAndValidateAgainstTheCa(KeyType type) throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("unit CA", type, Duration.ofDays(30 * 365));
        X509Certificate root = ca.certificate();
        X509Certificate leaf = ca.issue("node-1", List.of("node-1.example", "10.1.2.3", "::1", "[fd00::7]"), type,
                Duration.ofDays(10)).certificate();

        assertTrue(root.getBasicConstraints() >= 0, "the CA is a CA");
        assertTrue(root.getKeyUsage()[5] && root.getKeyUsage()[6], "keyCertSign and cRLSign");
        assertEquals(-1, leaf.getBasicConstraints());
        assertTrue(leaf.getKeyUsage()[0] && leaf.getKeyUsage()[2], "digitalSignature and keyEncipherment");
        assertFalse(leaf.getKeyUsage()[5]);
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
        assertTrue(leaf.getCriticalExtensionOIDs().containsAll(Set.of("2.5.29.19", "2.5.29.15")));
        assertEquals(List.of(List.of(2, "node-1.example"), List.of(7, "10.1.2.3"), List.of(7, "0:0:0:0:0:0:0:1"),
                List.of(7, "fd00:0:0:0:0:0:0:7")), leaf.getSubjectAlternativeNames().stream().toList());
        assertEquals(root.getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertTrue(leaf.getSubjectX500Principal().getName().contains("CN=node-1"));
        byte[] authorityKeyId = leaf.getExtensionValue("2.5.29.35");
        byte[] subjectKeyId = root.getExtensionValue("2.5.29.14");
        assertArrayEquals(java.util.Arrays.copyOfRange(subjectKeyId, subjectKeyId.length - 20, subjectKeyId.length),
                java.util.Arrays.copyOfRange(authorityKeyId, authorityKeyId.length - 20, authorityKeyId.length),
                "the leaf names its CA's key");
        assertTrue(root.getNotAfter().toInstant().isAfter(Instant.parse("2050-01-02T00:00:00Z")),
                "a validity past 2049 (GeneralizedTime) reads back");

        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void aCaWrittenAndLoadedBackIssuesCertificatesWithTheSameIssuer(KeyType type) throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("round trip CA", type, Duration.ofDays(2));
        ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        CertificateAuthority loaded = CertificateAuthority.load(dir.resolve("ca.crt"), dir.resolve("ca.key"));

        X509Certificate leaf = loaded.issue("x", List.of(), type, Duration.ofDays(1)).certificate();
        leaf.verify(ca.certificate().getPublicKey());
        assertEquals(ca.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
    }
}
