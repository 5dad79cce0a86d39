package flymq.protocol.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS as FlyMQ speaks it, on both ends of a connection (JSSE only): TLS 1.3 and 1.2, and only forward-secret AEAD
 * suites. The 1.2 suites are the six upstream's server allows (ECDHE with AES-GCM or ChaCha20-Poly1305, RSA or
 * ECDSA certificates), which include the {@code TLS_ECDHE_RSA_WITH_AES_*_GCM_*} suites the official Java SDK's
 * TLS 1.2-only context offers; AES-128-GCM comes first because it is the cheapest per byte where AES instructions
 * exist, and the server's order decides.
 *
 * <p>Contexts are built from keys and certificates already read (see {@link Pem}); key material lives in in-memory
 * key stores only. A server context with trusted client CAs can verify client certificates; whether it asks for
 * them is set per socket ({@link #serverParameters}).
 */
public final class TlsContexts {
    /** Protocol versions offered and accepted, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Cipher suites offered and accepted, in the server's order of preference. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** Protects nothing (the store never leaves memory); PKCS#12 stores are simplest with a non-empty one. */
    private static final char[] NO_PASSWORD = "in-memory".toCharArray();

    /** Whether and how a server asks connecting clients for a certificate. */
    public enum ClientAuth {
        /** never asks (upstream's behaviour) */
        NONE,
        /** asks; a client without one is served, a client with one the CAs do not vouch for is refused */
        REQUEST,
        /** asks and refuses a client without a certificate the CAs vouch for (mutual TLS) */
        REQUIRE
    }

    private TlsContexts() {
    }

    /**
     * A server context presenting {@code chain} (leaf first) with {@code key}, and verifying client certificates
     * against {@code clientCas} (empty: client certificates cannot be verified, so none may be asked for).
     */
    public static SSLContext server(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> clientCas)
            throws GeneralSecurityException {
        return context(keyManagers(key, chain), clientCas.isEmpty() ? null : trustManagers(clientCas));
    }

    /**
     * A client context.
     *
     * @param trusted  CA certificates that vouch for servers; null: the JVM's default trust store
     * @param key      the client's key for mutual TLS, or null
     * @param chain    the client's certificate chain (with {@code key}), or null
     * @param insecure accept any server certificate (testing only: anyone in the middle can read everything)
     */
    public static SSLContext client(List<X509Certificate> trusted, PrivateKey key, List<X509Certificate> chain,
                                    boolean insecure) throws GeneralSecurityException {
        TrustManager[] trust = insecure ? new TrustManager[] {new TrustingAnything()}
                : trusted == null ? null : trustManagers(trusted);
        return context(key == null ? null : keyManagers(key, chain), trust);
    }

    /** Versions and suites of {@link #PROTOCOLS} and {@link #CIPHER_SUITES}, with the client policy given. */
    public static SSLParameters serverParameters(SSLContext context, ClientAuth clientAuth) {
        SSLParameters p = restricted(context);
        p.setUseCipherSuitesOrder(true);
        switch (clientAuth) {
            case REQUIRE -> p.setNeedClientAuth(true);
            case REQUEST -> p.setWantClientAuth(true);
            case NONE -> p.setWantClientAuth(false);
        }
        return p;
    }

    /**
     * Versions and suites of {@link #PROTOCOLS} and {@link #CIPHER_SUITES} for a client; with {@code verifyHostname}
     * the server's certificate must name the host connected to (as HTTPS requires).
     */
    public static SSLParameters clientParameters(SSLContext context, boolean verifyHostname) {
        SSLParameters p = restricted(context);
        if (verifyHostname) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return p;
    }

    private static SSLParameters restricted(SSLContext context) {
        SSLParameters supported = context.getSupportedSSLParameters();
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(intersect(PROTOCOLS, supported.getProtocols(), "protocol"));
        p.setCipherSuites(intersect(CIPHER_SUITES, supported.getCipherSuites(), "cipher suite"));
        return p;
    }

    private static String[] intersect(List<String> wanted, String[] supported, String what) {
        List<String> have = Arrays.asList(supported);
        List<String> out = new ArrayList<>();
        for (String w : wanted) {
            if (have.contains(w)) {
                out.add(w);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("this JDK supports no TLS " + what + " of " + wanted);
        }
        return out.toArray(String[]::new);
    }

    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, trust, new SecureRandom());
        return ctx;
    }

    private static KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException {
        if (chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException("a private key needs its certificate");
        }
        KeyStore store = emptyStore();
        store.setKeyEntry("key", key, NO_PASSWORD, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, NO_PASSWORD);
        return kmf.getKeyManagers();
    }

    private static TrustManager[] trustManagers(List<X509Certificate> cas) throws GeneralSecurityException {
        KeyStore store = emptyStore();
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create an in-memory key store", e);
        }
        return store;
    }

    /** The "insecure" policy of both official SDKs: every server certificate is accepted. */
    private static final class TrustingAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("a trust-anything manager is for clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            // accepted: that is the point of insecure mode
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("a trust-anything manager is for clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            // accepted
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a trust-anything manager is for clients only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // accepted
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Applies the server parameters to a socket layered over an accepted connection. */
    public static void configureServer(SSLSocket socket, SSLContext context, ClientAuth clientAuth) {
        socket.setUseClientMode(false);
        socket.setSSLParameters(serverParameters(context, clientAuth));
    }
}
