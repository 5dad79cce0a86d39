package flymq.client;

import flymq.protocol.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * A client's TLS connection over a connected TCP socket, driven through JSSE's {@link SSLEngine} rather than an
 * {@code SSLSocket}, for throughput: an {@code SSLSocket} reads every TLS record with two exact socket reads (its
 * 5-byte header, then its body) and writes every 16 KiB record with a system call of its own. Here the encrypted
 * input is read ahead in pieces of up to {@value #READ_AHEAD} bytes (several records per read while a broker
 * streams an answer), records are decrypted straight into the caller's array when it asks for at least a record's
 * worth, and one {@link OutputStream#write} (the client's 64 KiB buffer) is encrypted into as many records as it needs
 * and leaves in one socket write. The cryptography is all JSSE's (versions, suites, certificate checks, and the
 * host name check: {@link TlsContexts#clientParameters}).
 *
 * <p>Threads: one thread reads at a time and one writes at a time (the connection's lock and its reader thread see
 * to that); reading and writing may overlap, which {@link SSLEngine} allows. A handshake message that must be answered
 * while reading (a TLS 1.3 key update) is written under the write lock.
 */
final class EngineTls {
    /** Encrypted bytes taken from the socket per read at most. */
    static final int READ_AHEAD = 64 * 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final SSLEngine engine;
    private final InputStream rawIn;
    private final OutputStream rawOut;
    /** Held while encrypting and writing; {@link #closeOutbound} only tries it, so a close never waits. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The session's largest decrypted record: a read of at least this much may decrypt into the caller's array. */
    private int appBufferSize;
    /** Encrypted bytes read and not yet decrypted, ready to read from (position..limit). Reader only. */
    private ByteBuffer netIn;
    /** Decrypted bytes not yet returned, ready to read from. Reader only. */
    private ByteBuffer appIn;
    /** Encrypted output being assembled; under {@link #writeLock}. */
    private ByteBuffer netOut;
    private boolean inboundDone;
    private final InputStream input = new Input();
    private final OutputStream output = new Output();

    private EngineTls(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.engine = engine;
        this.rawIn = socket.getInputStream();
        this.rawOut = socket.getOutputStream();
        SSLSession session = engine.getSession();
        netIn = ByteBuffer.allocate(Math.max(READ_AHEAD, session.getPacketBufferSize())).limit(0);
        appIn = ByteBuffer.allocate(session.getApplicationBufferSize()).limit(0);
        netOut = ByteBuffer.allocate(session.getPacketBufferSize() * 5);
        appBufferSize = session.getApplicationBufferSize();
    }

    /**
     * TLS as a client over {@code plain} (connected), the handshake completed within {@code timeout}.
     *
     * @param host the host name for SNI and, with {@code verifyHostname}, the name the certificate must hold
     */
    static EngineTls connect(Socket plain, String host, SSLContext context, boolean verifyHostname,
                             Duration timeout) throws IOException {
        SSLEngine engine = context.createSSLEngine(host, plain.getPort());
        engine.setUseClientMode(true);
        engine.setSSLParameters(TlsContexts.clientParameters(context, verifyHostname));
        EngineTls tls = new EngineTls(plain, engine);
        int before = plain.getSoTimeout();
        plain.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        try {
            tls.handshake();
            tls.appBufferSize = engine.getSession().getApplicationBufferSize();
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("TLS handshake with " + host + ":" + plain.getPort()
                    + " took longer than " + timeout.toMillis() + " ms");
        }
        plain.setSoTimeout(before);
        return tls;
    }

    /** The decrypted input; read by one thread at a time. */
    InputStream input() {
        return input;
    }

    /** The output: each write leaves encrypted in one socket write. */
    OutputStream output() {
        return output;
    }

    /** Whether a read would find something without waiting for the peer: decrypted, encrypted or kernel bytes. */
    int available() throws IOException {
        if (appIn.hasRemaining()) {
            return appIn.remaining();
        }
        return netIn.hasRemaining() ? netIn.remaining() : rawIn.available();
    }

    /**
     * Sends close_notify unless a write is in progress (which may be blocked on a full socket: a close never waits
     * for it); the caller closes the socket either way.
     */
    void closeOutbound() {
        if (!writeLock.tryLock()) {
            return;
        }
        try {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            netOut.flip();
            rawOut.write(netOut.array(), 0, netOut.limit());
        } catch (IOException | RuntimeException ignored) {
            // closing anyway: the peer sees the TCP close
        } finally {
            writeLock.unlock();
        }
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus hs = engine.getHandshakeStatus();
        while (hs != HandshakeStatus.FINISHED && hs != HandshakeStatus.NOT_HANDSHAKING) {
            switch (hs) {
                case NEED_WRAP -> hs = wrapHandshake();
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult r = unwrap(appIn.compact());
                    appIn.flip();
                    if (r == null) {
                        throw new SSLException("the server closed the connection during the TLS handshake (does this port "
                                + "serve TLS?)");
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        ByteBuffer bigger = ByteBuffer.allocate(appIn.capacity() * 2);
                        appIn = bigger.put(appIn).flip();
                    }
                    hs = r.getHandshakeStatus();
                }
                case NEED_TASK -> hs = runTasks();
                default -> throw new SSLException("unexpected TLS handshake state " + hs);
            }
        }
    }

    private HandshakeStatus wrapHandshake() throws IOException {
        writeLock.lock();
        try {
            netOut.clear();
            SSLEngineResult r;
            do {
                r = engine.wrap(EMPTY, netOut);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netOut = grow(netOut, engine.getSession().getPacketBufferSize());
                }
            } while (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW);
            netOut.flip();
            rawOut.write(netOut.array(), 0, netOut.limit());
            rawOut.flush();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("TLS connection closed during the handshake");
            }
            return r.getHandshakeStatus();
        } finally {
            writeLock.unlock();
        }
    }

    private HandshakeStatus runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
        return engine.getHandshakeStatus();
    }

    /**
     * Decrypts one record of {@link #netIn} into {@code dst}, reading from the socket while no whole record is there.
     *
     * @return the result, or null at the end of the stream
     */
    private SSLEngineResult unwrap(ByteBuffer dst) throws IOException {
        while (true) {
            SSLEngineResult r = engine.unwrap(netIn, dst);
            switch (r.getStatus()) {
                case OK, CLOSED -> {
                    return r;
                }
                case BUFFER_OVERFLOW -> {
                    return r; // the caller gives a larger buffer
                }
                case BUFFER_UNDERFLOW -> {
                    if (!fill()) {
                        return null;
                    }
                }
                default -> throw new SSLException("unexpected TLS state " + r.getStatus());
            }
        }
    }

    /** Reads more encrypted bytes behind those not yet decrypted; false at the end of the stream. */
    private boolean fill() throws IOException {
        int need = engine.getSession().getPacketBufferSize();
        if (netIn.capacity() < need) {
            netIn = ByteBuffer.allocate(need).put(netIn).flip();
        }
        netIn.compact();
        try {
            int n = rawIn.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
            if (n < 0) {
                return false;
            }
            netIn.position(netIn.position() + n);
            return true;
        } finally {
            netIn.flip();
        }
    }

    /** A larger buffer holding what {@code b} (being filled) holds, being filled too. */
    private static ByteBuffer grow(ByteBuffer b, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(atLeast, b.capacity() * 2));
        b.flip();
        bigger.put(b);
        return bigger;
    }

    /**
     * Decrypted bytes into {@code b[off, off + len)}: what is buffered, else at least one record's worth, decrypting
     * straight into {@code b} when it has room for a whole record.
     */
    private int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!appIn.hasRemaining()) {
            if (inboundDone) {
                return -1;
            }
            boolean direct = len >= appBufferSize;
            ByteBuffer dst = direct ? ByteBuffer.wrap(b, off, len) : appIn.clear();
            SSLEngineResult r = unwrap(dst);
            if (!direct) {
                appIn.flip();
            }
            if (r == null || r.getStatus() == SSLEngineResult.Status.CLOSED) {
                inboundDone = true;
                if (r == null && !engine.isInboundDone()) {
                    try {
                        engine.closeInbound(); // a peer that closes TCP without close_notify: JSSE says truncation
                    } catch (SSLException ignored) {
                        // the stream ends either way
                    }
                }
                return -1;
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                appIn = ByteBuffer.allocate(Math.max(appIn.capacity() * 2,
                        appBufferSize)).limit(0);
                continue;
            }
            afterUnwrap(r.getHandshakeStatus());
            if (direct && r.bytesProduced() > 0) {
                int produced = r.bytesProduced();
                // more whole records may be waiting: decrypt them too while they fit
                while (produced + appBufferSize <= len && hasWholeRecord()) {
                    SSLEngineResult more = engine.unwrap(netIn, ByteBuffer.wrap(b, off + produced, len - produced));
                    if (more.getStatus() != SSLEngineResult.Status.OK) {
                        inboundDone = more.getStatus() == SSLEngineResult.Status.CLOSED;
                        break;
                    }
                    afterUnwrap(more.getHandshakeStatus());
                    produced += more.bytesProduced();
                }
                return produced;
            }
        }
        int n = Math.min(len, appIn.remaining());
        appIn.get(b, off, n);
        return n;
    }

    /** Whether {@link #netIn} holds at least one complete TLS record (5-byte header, its length after). */
    private boolean hasWholeRecord() {
        if (netIn.remaining() < 5) {
            return false;
        }
        int p = netIn.position();
        int length = ((netIn.get(p + 3) & 0xFF) << 8) | (netIn.get(p + 4) & 0xFF);
        return netIn.remaining() >= 5 + length;
    }

    /**
     * Post-handshake messages (TLS 1.3 tickets, key updates) arrive while reading; answer what needs answering. A
     * writer holding the lock may be blocked on a full socket while the peer waits for this reader to drain its
     * answers: the reader then does not wait for the lock, and the writer's next wrap sends the pending message first.
     */
    private void afterUnwrap(HandshakeStatus hs) throws IOException {
        while (true) {
            switch (hs) {
                case NEED_TASK -> hs = runTasks();
                case NEED_WRAP -> {
                    if (!writeLock.tryLock()) {
                        return;
                    }
                    try {
                        hs = wrapHandshake();
                    } finally {
                        writeLock.unlock();
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        writeLock.lock();
        try {
            ByteBuffer src = ByteBuffer.wrap(b, off, len);
            netOut.clear();
            while (src.hasRemaining()) {
                SSLEngineResult r = engine.wrap(src, netOut);
                switch (r.getStatus()) {
                    case OK -> {
                        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                            runTasks();
                        } else if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                            // only a handshake the client never starts (renegotiation) could stall a wrap
                            throw new SSLException("TLS: cannot write in handshake state " + r.getHandshakeStatus());
                        }
                    }
                    case BUFFER_OVERFLOW -> {
                        // the buffer holds several records already: send them, then go on
                        netOut.flip();
                        rawOut.write(netOut.array(), 0, netOut.limit());
                        netOut.clear();
                    }
                    case CLOSED -> throw new SSLException("TLS connection closed");
                    default -> throw new SSLException("unexpected TLS state " + r.getStatus());
                }
            }
            netOut.flip();
            if (netOut.hasRemaining()) {
                rawOut.write(netOut.array(), 0, netOut.limit());
            }
        } finally {
            writeLock.unlock();
        }
    }

    private final class Input extends InputStream {
        private final byte[] one = new byte[1];

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            return EngineTls.this.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return appIn.remaining();
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            EngineTls.this.write(b, off, len);
        }
    }
}
