package flymq.telemetry;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLParameters;

/**
 * HTTPS for one telemetry listener: the private key, its certificate chain (leaf first) and the parameters (protocol
 * versions, cipher suites) its connections use. The caller reads the files; this module only hands them to Helidon,
 * as key material rather than a finished context so that Helidon can swap them in a running listener.
 */
public record HttpTls(PrivateKey key, List<X509Certificate> chain, SSLParameters parameters) {
    public HttpTls {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        Objects.requireNonNull(parameters, "parameters");
    }
}
