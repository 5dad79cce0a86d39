package flymq.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM files as upstream FlyMQ and OpenSSL write them, read and written with the JDK alone (so the client can use
 * it): {@code CERTIFICATE} blocks (one or a chain, leaf first) and one private key, which may be
 * <ul>
 *   <li>{@code PRIVATE KEY}: PKCS#8, RSA, EC or Ed25519 (what OpenSSL 3 writes by default);</li>
 *   <li>{@code RSA PRIVATE KEY}: PKCS#1 (what {@code openssl genrsa} of OpenSSL 1.x writes, and upstream's
 *   certificate script on such systems);</li>
 *   <li>{@code EC PRIVATE KEY}: SEC1 with its named curve (what {@code openssl ecparam -genkey} writes).</li>
 * </ul>
 * The last two are re-wrapped as PKCS#8 (the DER envelope only; the key bytes are untouched) so that the JDK's
 * {@link KeyFactory} reads them. Encrypted keys are refused with a message that says how to decrypt them: the broker
 * has nowhere safe to take a passphrase from, and upstream's server does not read them either. Text outside the
 * blocks (OpenSSL's {@code Bag Attributes}, {@code EC PARAMETERS}) is skipped.
 *
 * <p>Keys are written as PKCS#8 into files only their owner may read ({@code 0600} where POSIX permissions exist),
 * created with those permissions rather than narrowed afterwards.
 */
public final class Pem {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02,
            0x01};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private Pem() {
    }

    /** One block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}...), headers present, and its DER bytes. */
    private record Block(String label, boolean hasHeaders, byte[] der) {
    }

    /** Every certificate in {@code file}, in file order (a chain: leaf first). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Block b : blocks(file)) {
            if (b.label.equals("CERTIFICATE") || b.label.equals("TRUSTED CERTIFICATE")) {
                try {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
                } catch (CertificateException e) {
                    throw new IOException(file + ": certificate " + (certs.size() + 1) + " cannot be read: "
                            + e.getMessage(), e);
                }
            }
        }
        if (certs.isEmpty()) {
            throw new IOException(file + ": no PEM CERTIFICATE block found");
        }
        return List.copyOf(certs);
    }

    /** The private key in {@code file} (the first key block; PKCS#8, PKCS#1 RSA or SEC1 EC). */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        for (Block b : blocks(file)) {
            switch (b.label) {
                case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
                case "PRIVATE KEY" -> {
                    return pkcs8(file, b.der);
                }
                case "RSA PRIVATE KEY" -> {
                    if (b.hasHeaders) {
                        throw encrypted(file);
                    }
                    return pkcs8(file, sequence(VERSION_0, RSA_ALGORITHM, tlv(0x04, b.der)));
                }
                case "EC PRIVATE KEY" -> {
                    if (b.hasHeaders) {
                        throw encrypted(file);
                    }
                    byte[] curve = sec1Curve(file, b.der);
                    return pkcs8(file, sequence(VERSION_0, sequence(EC_PUBLIC_KEY_OID, curve), tlv(0x04, b.der)));
                }
                default -> {
                    // certificates or parameters next to the key: not what is asked for here
                }
            }
        }
        throw new IOException(file + ": no PEM private key block found (expected PRIVATE KEY, RSA PRIVATE KEY or "
                + "EC PRIVATE KEY)");
    }

    /** Writes {@code certs} as CERTIFICATE blocks, replacing {@code file} atomically. */
    public static void writeCertificates(Path file, List<X509Certificate> certs) throws IOException {
        StringBuilder text = new StringBuilder();
        for (X509Certificate c : certs) {
            try {
                text.append(block("CERTIFICATE", c.getEncoded()));
            } catch (CertificateException e) {
                throw new IOException("cannot encode certificate " + c.getSubjectX500Principal(), e);
            }
        }
        replace(file, text.toString().getBytes(StandardCharsets.US_ASCII), false);
    }

    /** Writes {@code key} as a PKCS#8 PRIVATE KEY block into a file readable by its owner only. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("key format " + key.getFormat() + " is not PKCS#8");
        }
        replace(file, block("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII), true);
    }

    private static String block(String label, byte[] der) {
        return BEGIN + label + DASHES + "\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n"
                + END + label + DASHES + "\n";
    }

    /** Writes a sibling temporary file (owner-only from its creation when {@code secret}) and moves it over. */
    private static void replace(Path file, byte[] content, boolean secret) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        try {
            if (posix) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
            } else {
                Files.createFile(tmp);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp + ": another process writes it", e);
        }
        try {
            Files.write(tmp, content, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.SYNC);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static IOException encrypted(Path file) {
        return new IOException(file + ": the private key is encrypted; FlyMQ reads unencrypted keys only "
                + "(decrypt it with 'openssl pkey -in " + file.getFileName() + " -out server.key' and keep that file "
                + "readable by the broker's user only)");
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this algorithm: try the next one
            }
        }
        throw new IOException(file + ": the private key is not an RSA, EC or EdDSA key the JDK can read");
    }

    /** The named-curve OID (whole TLV) in a SEC1 ECPrivateKey's {@code [0] parameters}. */
    private static byte[] sec1Curve(Path file, byte[] der) throws IOException {
        try {
            int[] seq = header(der, 0);
            if (der[0] != 0x30) {
                throw new IOException("not a DER SEQUENCE");
            }
            int pos = seq[0];
            int end = seq[0] + seq[1];
            while (pos < end) {
                int[] h = header(der, pos);
                int tag = der[pos] & 0xff;
                if (tag == 0xa0) {
                    int[] oid = header(der, h[0]);
                    if (der[h[0]] != 0x06) {
                        throw new IOException("the curve is given by explicit parameters, not by name");
                    }
                    byte[] out = new byte[oid[0] + oid[1] - h[0]];
                    System.arraycopy(der, h[0], out, 0, out.length);
                    return out;
                }
                pos = h[0] + h[1];
            }
            throw new IOException("the key names no curve");
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new IOException(file + ": the EC PRIVATE KEY block is truncated", e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the EC PRIVATE KEY block: " + e.getMessage(), e);
        }
    }

    /** {offset of the contents, length of the contents} of the DER element at {@code pos}. */
    private static int[] header(byte[] der, int pos) throws IOException {
        int len = der[pos + 1] & 0xff;
        int at = pos + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 3) {
                throw new IOException("unsupported DER length at byte " + pos);
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[at++] & 0xff);
            }
        }
        if (at + len > der.length) {
            throw new IOException("DER element at byte " + pos + " runs past the end");
        }
        return new int[] {at, len};
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        return tlv(0x30, body.toByteArray());
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

    /** The PEM blocks of a file, in order; text between blocks is skipped. */
    private static List<Block> blocks(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        }
        List<Block> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, pos);
            if (begin < 0) {
                return out;
            }
            int labelEnd = text.indexOf(DASHES, begin + BEGIN.length());
            if (labelEnd < 0) {
                throw new IOException(file + ": unterminated PEM header at character " + begin);
            }
            String label = text.substring(begin + BEGIN.length(), labelEnd);
            String endLine = END + label + DASHES;
            int end = text.indexOf(endLine, labelEnd);
            if (end < 0) {
                throw new IOException(file + ": PEM block '" + label + "' has no '" + endLine + "' line");
            }
            String body = text.substring(labelEnd + DASHES.length(), end);
            boolean headers = body.contains(":");
            StringBuilder base64 = new StringBuilder(body.length());
            for (String line : body.split("\r?\n")) {
                if (!line.contains(":")) {
                    base64.append(line.strip());
                }
            }
            try {
                out.add(new Block(label, headers, Base64.getDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": PEM block '" + label + "' is not valid base64: " + e.getMessage(), e);
            }
            pos = end + endLine.length();
        }
    }
}
