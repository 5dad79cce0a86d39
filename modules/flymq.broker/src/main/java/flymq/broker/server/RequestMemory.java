package flymq.broker.server;

import flymq.protocol.FrameCodec;
import flymq.protocol.PayloadWriter;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The heap that connections borrow while they read and serve requests, shared by every connection of one server,
 * so that what an idle connection holds is a few hundred bytes and what all of them hold at once is bounded.
 *
 * <p><b>The budget.</b> Buffers that hold request bytes ({@link #acquire}) are charged at their capacity against
 * {@code network.max_inflight_request_bytes}. A connection grows its buffer as bytes arrive (see
 * {@link FrameInput}), so what it is charged follows what it received, never the length a header announces. When
 * the budget is spent, {@link #acquire} waits (the connection stops reading, TCP flow control slows the client)
 * until another connection gives memory back: backpressure, not an error.
 *
 * <p><b>Why one connection may overdraw.</b> Connections that each hold part of a frame and wait for more budget
 * could wait on each other forever. A connection that already holds request memory and finds the budget spent may
 * therefore take the single overdraft: it alone keeps growing beyond the budget until its frame is read and its
 * memory given back, so some frame always completes and frees memory. The worst case is the budget plus one
 * maximum frame ({@value FrameCodec#MAX_PAYLOAD} bytes); a connection that holds nothing yet (a new frame) waits.
 *
 * <p><b>Pooling.</b> Given-back buffers of up to {@value #MAX_POOLED_CAPACITY} bytes are kept for reuse, up to
 * {@link #retainLimit} bytes in all, and so are response writers of up to 1 MiB (8 MiB in all): a busy connection
 * takes and returns the same few buffers without allocating. Capacities are powers of two from {@value #CHUNK} bytes, so that returned
 * buffers fit the next request. Thread-safe.
 */
final class RequestMemory {
    /** The smallest buffer lent: a read of this size takes in a burst of pipelined requests in one system call. */
    static final int CHUNK = 64 * 1024;
    static final int MAX_POOLED_CAPACITY = 1 << 20;
    private static final int MAX_FRAME = FrameCodec.HEADER_SIZE + FrameCodec.MAX_PAYLOAD;
    /** Writers kept for reuse hold at most this much in all (a FETCH response grows its writer up to 32 MiB). */
    private static final long RETAINED_WRITER_BYTES = 8L << 20;
    private static final int RETAINED_WRITER_CAPACITY = 1 << 20;
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final long budget;
    private final long retainLimit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    @SuppressWarnings("unchecked")
    private final ArrayDeque<byte[]>[] pooled = new ArrayDeque[Integer.numberOfTrailingZeros(MAX_POOLED_CAPACITY)
            - Integer.numberOfTrailingZeros(CHUNK) + 1];
    private final ArrayDeque<PayloadWriter> writers = new ArrayDeque<>();
    private long charged;
    private long retained;
    private long retainedWriterBytes;
    private Object overdraftOwner;
    private final AtomicLong waits = new AtomicLong();

    RequestMemory(long budget) {
        this.budget = budget;
        this.retainLimit = Math.min(budget / 4, 16L << 20);
        for (int i = 0; i < pooled.length; i++) {
            pooled[i] = new ArrayDeque<>();
        }
    }

    long budget() {
        return budget;
    }

    /** Bytes lent out now (may exceed the budget by one overdraft). */
    long inUse() {
        lock.lock();
        try {
            return charged;
        } finally {
            lock.unlock();
        }
    }

    /** Times a connection had to wait for the budget since start. */
    long waits() {
        return waits.get();
    }

    /** The capacity lent for a request of {@code minCapacity} bytes: a power of two from {@link #CHUNK}. */
    static int capacityFor(int minCapacity) {
        if (minCapacity > MAX_FRAME) {
            throw new IllegalArgumentException("no frame needs " + minCapacity + " bytes");
        }
        if (minCapacity <= CHUNK) {
            return CHUNK;
        }
        int power = Integer.highestOneBit(minCapacity - 1) << 1;
        return power <= 0 ? MAX_FRAME : Math.min(power, MAX_FRAME);
    }

    /**
     * Lends a buffer of at least {@code minCapacity} bytes, waiting while the budget is spent.
     *
     * @param owner       the borrowing connection (identifies the overdraft holder)
     * @param holdsMemory the owner holds request memory already (it may then take the overdraft)
     * @param abandoned   checked while waiting: true when the owner no longer needs the memory (closed)
     * @throws IOException when abandoned while waiting
     */
    byte[] acquire(int minCapacity, Object owner, boolean holdsMemory, BooleanSupplier abandoned)
            throws IOException {
        int capacity = capacityFor(minCapacity);
        byte[] reused;
        lock.lock();
        try {
            boolean counted = false;
            while (charged + capacity > budget && !(holdsMemory && mayOverdraw(owner))) {
                if (!counted) {
                    counted = true;
                    waits.incrementAndGet();
                }
                if (abandoned.getAsBoolean()) {
                    throw new IOException("closed while waiting for request memory");
                }
                freed.awaitNanos(WAIT_SLICE_NANOS);
            }
            if (charged + capacity > budget) {
                overdraftOwner = owner;
            }
            charged += capacity;
            reused = pooledBuffer(capacity);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for request memory");
        } finally {
            lock.unlock();
        }
        return reused != null ? reused : allocate(capacity);
    }

    /** Allocates outside the lock (zeroing megabytes takes a while); a failed allocation gives its charge back. */
    private byte[] allocate(int capacity) {
        try {
            return new byte[capacity];
        } catch (Throwable e) {
            lock.lock();
            try {
                charged -= capacity;
                freed.signalAll();
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    private boolean mayOverdraw(Object owner) {
        return overdraftOwner == null || overdraftOwner == owner;
    }

    /** Lends a {@link #CHUNK} at once if the budget allows it, else returns null (used for response batching). */
    byte[] tryAcquireChunk() {
        byte[] reused;
        lock.lock();
        try {
            if (charged + CHUNK > budget) {
                return null;
            }
            charged += CHUNK;
            reused = pooledBuffer(CHUNK);
        } finally {
            lock.unlock();
        }
        return reused != null ? reused : allocate(CHUNK);
    }

    /** Takes back a buffer lent by this pool; the owner still holds other request memory if {@code stillHolds}. */
    void release(byte[] buffer, Object owner, boolean stillHolds) {
        lock.lock();
        try {
            charged -= buffer.length;
            if (!stillHolds && overdraftOwner == owner) {
                overdraftOwner = null;
            }
            int slot = slot(buffer.length);
            if (slot >= 0 && retained + buffer.length <= retainLimit) {
                pooled[slot].push(buffer);
                retained += buffer.length;
            }
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A response writer for one connection's busy spell; give it back with {@link #recycle}. */
    PayloadWriter writer() {
        lock.lock();
        try {
            PayloadWriter w = writers.poll();
            if (w != null) {
                retainedWriterBytes -= w.capacity();
                return w;
            }
        } finally {
            lock.unlock();
        }
        return new PayloadWriter(4096);
    }

    void recycle(PayloadWriter writer) {
        if (writer.capacity() > RETAINED_WRITER_CAPACITY) {
            return;
        }
        writer.reset();
        lock.lock();
        try {
            if (retainedWriterBytes + writer.capacity() <= RETAINED_WRITER_BYTES) {
                writers.push(writer);
                retainedWriterBytes += writer.capacity();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A kept buffer of exactly {@code capacity}, or null; called holding the lock. */
    private byte[] pooledBuffer(int capacity) {
        int slot = slot(capacity);
        byte[] b = slot < 0 ? null : pooled[slot].poll();
        if (b != null) {
            retained -= b.length;
        }
        return b;
    }

    private static int slot(int capacity) {
        if (capacity > MAX_POOLED_CAPACITY || Integer.bitCount(capacity) != 1 || capacity < CHUNK) {
            return -1;
        }
        return Integer.numberOfTrailingZeros(capacity) - Integer.numberOfTrailingZeros(CHUNK);
    }
}
