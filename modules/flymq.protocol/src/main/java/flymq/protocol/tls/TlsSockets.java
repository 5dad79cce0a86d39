package flymq.protocol.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** What both ends of a FlyMQ connection do with a TLS socket beyond building its context. */
public final class TlsSockets {
    private TlsSockets() {
    }

    /**
     * Layers a client-side TLS socket over {@code plain} (already connected; closed with it) and completes the
     * handshake within {@code timeout}, so that a server that accepts and never answers cannot hang the caller.
     *
     * @param host the host name the certificate must name when hostname verification is on, and the SNI name
     */
    public static SSLSocket connect(Socket plain, String host, SSLContext context, boolean verifyHostname,
                                    Duration timeout) throws IOException {
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, host, plain.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.setSSLParameters(TlsContexts.clientParameters(context, verifyHostname));
        int before = ssl.getSoTimeout();
        ssl.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        try {
            ssl.startHandshake();
        } catch (SocketTimeoutException e) {
            ssl.close();
            throw new SocketTimeoutException("TLS handshake with " + host + ":" + plain.getPort()
                    + " took longer than " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            ssl.close();
            throw e;
        }
        ssl.setSoTimeout(before);
        return ssl;
    }

    /**
     * The stream that {@code flymq.protocol.ReadSpin} should poll on a TLS connection: it has input when the TLS
     * socket holds decrypted bytes not yet read, or when encrypted bytes wait in the kernel. Polling the TLS stream
     * alone would never see the latter (JSSE decrypts only inside a read), so every spin would run out its budget.
     * Only {@link InputStream#available()} is served; reading goes through the TLS socket's own stream.
     */
    public static InputStream spinView(InputStream tls, InputStream plain) {
        return new InputStream() {
            @Override
            public int available() throws IOException {
                int n = tls.available();
                return n > 0 ? n : plain.available();
            }

            @Override
            public int read() {
                throw new UnsupportedOperationException("read through the TLS socket");
            }
        };
    }
}
