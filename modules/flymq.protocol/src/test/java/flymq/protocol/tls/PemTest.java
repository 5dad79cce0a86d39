package flymq.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The PEM formats upstream's and OpenSSL's tools write (fixtures: see README.md beside them). */
class PemTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(PemTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @CsvSource({"rsa-pkcs1.key, rsa.crt, RSA", "rsa-pkcs8.key, rsa.crt, RSA", "ec-sec1.key, ec.crt, EC"})
    void keysOfEveryUnencryptedFormatMatchTheirCertificate(String keyFile, String certFile, String algorithm)
            throws Exception {
        PrivateKey key = Pem.readPrivateKey(fixture(keyFile));
        X509Certificate cert = Pem.readCertificates(fixture(certFile)).getFirst();

        assertEquals(algorithm, key.getAlgorithm());
        String sigAlg = algorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        Signature s = Signature.getInstance(sigAlg);
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        s.initVerify(cert.getPublicKey());
        s.update(new byte[] {1, 2, 3});
        assertTrue(s.verify(sig), keyFile + " does not match " + certFile);
    }

    @Test
    void pkcs1AndPkcs8SpellingsOfOneKeyAreTheSameKey() throws Exception {
        assertArrayEquals(Pem.readPrivateKey(fixture("rsa-pkcs8.key")).getEncoded(),
                Pem.readPrivateKey(fixture("rsa-pkcs1.key")).getEncoded());
    }

    @Test
    void ed25519KeysAreRead() throws Exception {
        assertEquals("EdDSA", Pem.readPrivateKey(fixture("ed25519.key")).getAlgorithm());
    }

    @ParameterizedTest
    @CsvSource({"ec-encrypted.key", "rsa-pkcs1-encrypted.key"})
    void encryptedKeysAreRefusedWithAWayOut(String file) {
        IOException e = assertThrows(IOException.class, () -> Pem.readPrivateKey(fixture(file)));
        assertTrue(e.getMessage().contains("encrypted") && e.getMessage().contains("openssl pkey"), e.getMessage());
    }

    @Test
    void aFileWithoutAKeyOrCertificateNamesTheFile() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        IOException noKey = assertThrows(IOException.class, () -> Pem.readPrivateKey(empty));
        assertTrue(noKey.getMessage().startsWith(empty.toString()), noKey.getMessage());
        IOException noCert = assertThrows(IOException.class, () -> Pem.readCertificates(fixture("rsa-pkcs1.key")));
        assertTrue(noCert.getMessage().contains("no PEM CERTIFICATE"), noCert.getMessage());
        IOException missing = assertThrows(IOException.class, () -> Pem.readCertificates(dir.resolve("nope.crt")));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void truncatedAndCorruptBlocksAreReportedNotMisread() throws Exception {
        String pem = Files.readString(fixture("rsa.crt"));
        Path cut = Files.writeString(dir.resolve("cut.crt"), pem.substring(0, pem.length() / 2));
        assertThrows(IOException.class, () -> Pem.readCertificates(cut));
        Path garbled = Files.writeString(dir.resolve("garbled.crt"), pem.replace("M", "*"));
        assertThrows(IOException.class, () -> Pem.readCertificates(garbled));
    }

    @Test
    void writtenKeysAreOwnerOnlyAndReadBack() throws Exception {
        PrivateKey key = Pem.readPrivateKey(fixture("ec-sec1.key"));
        X509Certificate cert = Pem.readCertificates(fixture("ec.crt")).getFirst();
        Path keyFile = dir.resolve("k.key");
        Path certFile = dir.resolve("c.crt");

        Pem.writePrivateKey(keyFile, key);
        Pem.writeCertificates(certFile, List.of(cert, cert));

        assertArrayEquals(key.getEncoded(), Pem.readPrivateKey(keyFile).getEncoded());
        assertEquals(List.of(cert, cert), Pem.readCertificates(certFile));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(keyFile));
        }
    }
}
