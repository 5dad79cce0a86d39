import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManagerFactory;

/**
 * The floor of TLS on this machine without FlyMQ: two JSSE engines in one thread, TLS 1.3 with
 * TLS_AES_128_GCM_SHA256 (the suite the broker prefers), 64 KiB application writes cut into full 16 KiB records, as
 * the client's producer and the broker's fetch path send them. Prints the first 64 MiB's time in a fresh JVM (what
 * a short benchmark run pays while the JIT has not reached the AES-GCM intrinsics yet), then the warm rates of wrap
 * (encrypt) and unwrap (decrypt, which JSSE does in place and so without the combined AES-GCM intrinsic) per core.
 * Run by bench-tls-floor.sh, which makes the key store and trust store.
 *
 * <p>Usage: java TlsFloor.java KEYSTORE.p12 TRUSTSTORE.p12 PASSWORD SECONDS
 */
public final class TlsFloor {
    private static final int WRITE = 64 * 1024;

    public static void main(String[] args) throws Exception {
        char[] pw = args[2].toCharArray();
        double seconds = Double.parseDouble(args[3]);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(args[0])) {
            ks.load(in, pw);
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(args[1])) {
            ts.load(in, pw);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        SSLEngine c = client.createSSLEngine("localhost", 1);
        c.setUseClientMode(true);
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        for (SSLEngine e : new SSLEngine[] {c, s}) {
            e.setEnabledProtocols(new String[] {"TLSv1.3"});
            e.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256"});
        }
        int packet = c.getSession().getPacketBufferSize();
        ByteBuffer c2s = ByteBuffer.allocate(packet * 8);
        ByteBuffer s2c = ByteBuffer.allocate(packet * 8);
        ByteBuffer app = ByteBuffer.allocate(WRITE * 2);
        handshake(c, s, c2s, s2c, app);
        System.out.println("negotiated " + c.getSession().getProtocol() + " " + c.getSession().getCipherSuite());

        byte[] data = new byte[WRITE];
        long t0 = System.nanoTime();
        long moved = 0;
        while (moved < 64L << 20) {
            moved += send(c, s, data, c2s, app, null);
        }
        System.out.printf("first 64 MiB in a fresh JVM: %.0f ms (%.0f MB/s wrap+unwrap on one core)%n",
                (System.nanoTime() - t0) / 1e6, moved / ((System.nanoTime() - t0) / 1e9) / 1e6);
        // warm-up until the rate settles, then measure each side
        long[] nanos = new long[2];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            send(c, s, data, c2s, app, null);
        }
        moved = 0;
        end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            moved += send(c, s, data, c2s, app, nanos);
        }
        System.out.printf("warm: wrap %.0f MB/s, unwrap %.0f MB/s, both %.0f MB/s of application data per core%n",
                moved / (nanos[0] / 1e9) / 1e6, moved / (nanos[1] / 1e9) / 1e6,
                moved / ((nanos[0] + nanos[1]) / 1e9) / 1e6);
    }

    /** One 64 KiB write wrapped by {@code c} and unwrapped by {@code s}; times each side into nanos when given. */
    private static int send(SSLEngine c, SSLEngine s, byte[] data, ByteBuffer net, ByteBuffer app, long[] nanos)
            throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            long t0 = System.nanoTime();
            net.clear();
            while (src.hasRemaining()) {
                SSLEngineResult r = c.wrap(src, net);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    break; // the buffer holds several records: decrypt them, then go on
                }
            }
            net.flip();
            long t1 = System.nanoTime();
            while (net.hasRemaining()) {
                app.clear();
                SSLEngineResult r = s.unwrap(net, app);
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new IllegalStateException("unwrap: " + r);
                }
            }
            if (nanos != null) {
                nanos[0] += t1 - t0;
                nanos[1] += System.nanoTime() - t1;
            }
        }
        return data.length;
    }

    private static void handshake(SSLEngine c, SSLEngine s, ByteBuffer c2s, ByteBuffer s2c, ByteBuffer app)
            throws Exception {
        ByteBuffer empty = ByteBuffer.allocate(0);
        c.beginHandshake();
        s.beginHandshake();
        for (int i = 0; i < 1000; i++) {
            boolean cDone = done(c.getHandshakeStatus());
            boolean sDone = done(s.getHandshakeStatus());
            if (cDone && sDone) {
                return;
            }
            step(c, empty, c2s, s2c, app);
            step(s, empty, s2c, c2s, app);
        }
        throw new IllegalStateException("handshake did not finish: " + c.getHandshakeStatus() + " / "
                + s.getHandshakeStatus());
    }

    private static boolean done(HandshakeStatus hs) {
        return hs == HandshakeStatus.FINISHED || hs == HandshakeStatus.NOT_HANDSHAKING;
    }

    /** One step of engine {@code e}: wrap into {@code out}, unwrap from {@code in}, run tasks. */
    private static void step(SSLEngine e, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer app)
            throws Exception {
        switch (e.getHandshakeStatus()) {
            case NEED_WRAP -> e.wrap(empty, out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                e.unwrap(in, app.clear());
                in.compact();
            }
            case NEED_TASK -> {
                for (Runnable t; (t = e.getDelegatedTask()) != null; ) {
                    t.run();
                }
            }
            default -> {
            }
        }
    }
}
