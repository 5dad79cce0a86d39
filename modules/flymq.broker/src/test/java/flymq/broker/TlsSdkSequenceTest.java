package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every SDK request sequence of {@link SdkSequenceTest}, byte for byte, over TLS as the official Java SDK opens it:
 * a TLS 1.2-only context that trusts the broker's CA file.
 */
class TlsSdkSequenceTest extends SdkSequenceTest {
    @BeforeEach
    @Override
    void start() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        broker = TestBroker.start(dir.resolve("data"), tls.serverFlags());
        broker.clientTls = tls.sdkContext(null, null);
        c = broker.client();
    }

    @Test
    void theSdksTls12ContextNegotiatesAnEcdheAeadSuite() {
        SSLSocket s = (SSLSocket) c.socket;
        assertEquals("TLSv1.2", s.getSession().getProtocol());
        assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", s.getSession().getCipherSuite());
    }
}
