package flymq.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every sequence of {@link AuthSdkSequenceTest}, byte for byte, over TLS as the official Java SDK opens it (a TLS
 * 1.2-only context that trusts the broker's CA file): the way passwords should travel.
 */
class TlsAuthSdkSequenceTest extends AuthSdkSequenceTest {
    @BeforeEach
    @Override
    void start() throws Exception {
        TlsFixtures tls = TlsFixtures.create(dir);
        broker = TestBroker.start(dir.resolve("data"), tls.serverFlags(AUTH_FLAGS));
        broker.clientTls = tls.sdkContext(null, null);
        c = broker.client();
    }

    @Test
    void theLoginTravelsOverTls12() {
        assertEquals("TLSv1.2", ((SSLSocket) c.socket).getSession().getProtocol());
    }
}
