package flymq.broker.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The DER encoding of an X.509 v3 certificate (RFC 5280), for the few fields development certificates need; the
 * JDK signs it (JCA {@link Signature}) and parses the result back ({@link CertificateFactory}), so a malformed
 * encoding fails here rather than in a peer. The JDK has no public API that builds certificates, and a library that
 * does (Bouncy Castle) would add several MiB to the runtime image for this one job.
 *
 * <p>What is encoded: version 3, serial, signature algorithm (ECDSA or RSA with SHA-256), issuer and subject as
 * {@code O=..., CN=...} (UTF8String), validity (UTCTime before 2050, GeneralizedTime after, as RFC 5280 requires),
 * the subject public key as the key's own X.509 encoding, and the extensions basic constraints and key usage
 * (critical), extended key usage, subject alternative names (DNS names and IP addresses), and subject and authority
 * key identifiers (SHA-1 of the public key bits, RFC 5280 method 1).
 */
final class X509Builder {
    private static final int SEQUENCE = 0x30;
    private static final int SET = 0x31;
    private static final String OID_ORGANIZATION = "2.5.4.10";
    private static final String OID_COMMON_NAME = "2.5.4.3";
    private static final String OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    private static final String OID_RSA_SHA256 = "1.2.840.113549.1.1.11";
    private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String OID_KEY_USAGE = "2.5.29.15";
    private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
    private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String OID_SUBJECT_KEY_ID = "2.5.29.14";
    private static final String OID_AUTHORITY_KEY_ID = "2.5.29.35";
    private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    /** keyUsage bits (RFC 5280 4.2.1.3), numbered from the most significant bit of the first byte. */
    static final int DIGITAL_SIGNATURE = 0;
    static final int KEY_ENCIPHERMENT = 2;
    static final int KEY_CERT_SIGN = 5;
    static final int CRL_SIGN = 6;

    private X509Builder() {
    }

    /** What one certificate says. */
    record Fields(BigInteger serial, String issuerCn, String subjectCn, Instant notBefore, Instant notAfter,
                  PublicKey subjectKey, PublicKey issuerKey, boolean ca, List<Integer> keyUsage,
                  boolean tlsServerAndClient, List<String> hostNames) {
    }

    /** Encodes, signs with {@code issuerPrivateKey} and parses the certificate. */
    static X509Certificate sign(Fields f, PrivateKey issuerPrivateKey) throws GeneralSecurityException {
        boolean rsa = issuerPrivateKey.getAlgorithm().equals("RSA");
        byte[] algorithm = rsa ? seq(oid(OID_RSA_SHA256), new byte[] {0x05, 0x00}) : seq(oid(OID_ECDSA_SHA256));
        List<byte[]> extensions = new ArrayList<>();
        extensions.add(extension(OID_BASIC_CONSTRAINTS, true, f.ca ? seq(tlv(0x01, new byte[] {(byte) 0xff}))
                : seq()));
        extensions.add(extension(OID_KEY_USAGE, true, bits(f.keyUsage)));
        if (f.tlsServerAndClient) {
            extensions.add(extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH), oid(OID_CLIENT_AUTH))));
        }
        if (!f.hostNames.isEmpty()) {
            extensions.add(extension(OID_SUBJECT_ALT_NAME, false, alternativeNames(f.hostNames)));
        }
        extensions.add(extension(OID_SUBJECT_KEY_ID, false, tlv(0x04, keyIdentifier(f.subjectKey))));
        if (!f.ca || !f.subjectKey.equals(f.issuerKey)) {
            extensions.add(extension(OID_AUTHORITY_KEY_ID, false, seq(tlv(0x80, keyIdentifier(f.issuerKey)))));
        }
        byte[] tbs = seq(
                tlv(0xa0, integer(BigInteger.TWO)),
                integer(f.serial),
                algorithm,
                name(f.issuerCn),
                seq(time(f.notBefore), time(f.notAfter)),
                name(f.subjectCn),
                f.subjectKey.getEncoded(),
                tlv(0xa3, seq(extensions.toArray(byte[][]::new))));
        Signature s = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
        s.initSign(issuerPrivateKey);
        s.update(tbs);
        byte[] certificate = seq(tbs, algorithm, bitString(s.sign()));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certificate));
    }

    private static byte[] name(String commonName) {
        return seq(rdn(OID_ORGANIZATION, "FlyMQ"), rdn(OID_COMMON_NAME, commonName));
    }

    private static byte[] rdn(String type, String value) {
        return tlv(SET, seq(oid(type), tlv(0x0c, value.getBytes(StandardCharsets.UTF_8))));
    }

    private static byte[] extension(String id, boolean critical, byte[] value) {
        return critical ? seq(oid(id), tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, value))
                : seq(oid(id), tlv(0x04, value));
    }

    /** GeneralNames: dNSName [2] IA5String, iPAddress [7] OCTET STRING (4 or 16 bytes). */
    private static byte[] alternativeNames(List<String> hostNames) {
        List<byte[]> names = new ArrayList<>();
        for (String h : hostNames) {
            if (CertificateAuthority.isIpLiteral(h)) {
                try {
                    names.add(tlv(0x87, InetAddress.getByName(h).getAddress()));
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalArgumentException("not an IP address: " + h, e);
                }
            } else {
                names.add(tlv(0x82, h.getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return seq(names.toArray(byte[][]::new));
    }

    /** SHA-1 of the subjectPublicKey BIT STRING's contents (RFC 5280 4.2.1.2, method 1). */
    static byte[] keyIdentifier(PublicKey key) throws GeneralSecurityException {
        byte[] spki = key.getEncoded();
        // SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE, subjectPublicKey BIT STRING }
        int[] outer = header(spki, 0);
        int[] algorithm = header(spki, outer[0]);
        int bitStringAt = algorithm[0] + algorithm[1];
        int[] bits = header(spki, bitStringAt);
        // skip the BIT STRING's unused-bits byte
        return MessageDigest.getInstance("SHA-1").digest(java.util.Arrays.copyOfRange(spki, bits[0] + 1,
                bits[0] + bits[1]));
    }

    private static byte[] time(Instant t) {
        java.time.ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        if (z.getYear() < 2050) {
            return tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(z)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        return tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(z)
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** A DER BIT STRING of named bits: trailing zero bits dropped, their count in the first byte. */
    private static byte[] bits(List<Integer> set) {
        int highest = set.stream().mapToInt(Integer::intValue).max().orElse(0);
        byte[] value = new byte[highest / 8 + 1];
        for (int b : set) {
            value[b / 8] |= (byte) (0x80 >>> (b % 8));
        }
        int unused = 7 - highest % 8;
        byte[] out = new byte[value.length + 1];
        out[0] = (byte) unused;
        System.arraycopy(value, 0, out, 1, value.length);
        return tlv(0x03, out);
    }

    private static byte[] bitString(byte[] contents) {
        byte[] out = new byte[contents.length + 1];
        System.arraycopy(contents, 0, out, 1, contents.length);
        return tlv(0x03, out);
    }

    private static byte[] integer(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
            for (int g = groups - 1; g >= 0; g--) {
                int septet = (int) ((v >>> (7 * g)) & 0x7f);
                out.write(g == 0 ? septet : septet | 0x80);
            }
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        return tlv(SEQUENCE, body.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
        out.write(tag);
        int n = contents.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(contents);
        return out.toByteArray();
    }

    /** {offset of the contents, length of the contents} of the DER element at {@code pos}. */
    private static int[] header(byte[] der, int pos) {
        int len = der[pos + 1] & 0xff;
        int at = pos + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[at++] & 0xff);
            }
        }
        return new int[] {at, len};
    }
}
