package flymq.admin;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLParameters;

/**
 * HTTPS for the admin listener ({@code observability.admin.tls_*}): the private key, its certificate chain (leaf
 * first) and the parameters (protocol versions, cipher suites) connections use. The broker reads and watches the PEM
 * files; this module hands the key material to Helidon, which can swap it in the running listener
 * ({@link AdminServer#reloadTls}).
 */
public record AdminTls(PrivateKey key, List<X509Certificate> chain, SSLParameters parameters) {
    public AdminTls {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the admin listener's certificate chain is empty");
        }
        Objects.requireNonNull(parameters, "parameters");
    }
}
