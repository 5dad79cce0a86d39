package flymq.cli;

import flymq.client.FlyMqClient;
import java.nio.file.Path;

/**
 * How client commands connect to brokers: plain TCP, or TLS (--tls, implied by any other TLS option) verified
 * against --tls-ca (else the JVM's trusted CAs), presenting --tls-cert/--tls-key when the broker asks (mutual
 * TLS), or --insecure (no verification at all).
 *
 * @param ca       PEM CA certificates that vouch for the broker, or null
 * @param cert     PEM client certificate, or null
 * @param key      its PEM private key, or null
 */
public record TlsOptions(boolean enabled, Path ca, Path cert, Path key, boolean insecure) {
    public static final TlsOptions OFF = new TlsOptions(false, null, null, null, false);

    /** Whether connections use TLS. */
    public boolean on() {
        return enabled || ca != null || cert != null || key != null || insecure;
    }

    /** A client context for HTTPS endpoints: trusting --tls-ca (or anything with --insecure), no client key. */
    public javax.net.ssl.SSLContext httpsContext() {
        try {
            return flymq.protocol.tls.TlsContexts.client(
                    ca == null ? null : flymq.protocol.tls.Pem.readCertificates(ca), null, null, insecure);
        } catch (java.io.IOException e) {
            throw new CliException(ExitCode.USAGE, "bad --tls-ca: " + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException e) {
            throw new CliException(ExitCode.USAGE, "bad --tls-ca: " + e.getMessage(), e);
        }
    }

    /** Applies these options to a client builder; fails with a usage error for a certificate without its key. */
    public FlyMqClient.Builder applyTo(FlyMqClient.Builder b) {
        if (!on()) {
            return b;
        }
        if ((cert == null) != (key == null)) {
            throw new CliException(ExitCode.USAGE, "--tls-cert and --tls-key go together: give "
                    + (cert == null ? "--tls-cert" : "--tls-key") + " too");
        }
        b.tls();
        if (insecure) {
            b.tlsInsecure();
        } else if (ca != null) {
            b.tlsTrust(ca);
        }
        if (cert != null) {
            b.tlsClientCertificate(cert, key);
        }
        return b;
    }
}
