package io.kvpool.manager.internal;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * What the data agents served by key (DATA_READ_KEYS), on its way to the control agent, which alone may touch
 * blocks for eviction and count hits: the data agents offer, the control agent drains each duty cycle. A notice
 * that finds the ring full is dropped (an eviction hint and a hit count lost, nothing else): the ring holds
 * {@link #CAPACITY_NOTICES} notices, far more than the data agents serve between two duty cycles.
 * <p>
 * Thread-safe: any number of offering threads (one per data lane), one draining thread.
 */
public final class KeyedReadNotices
{
    /** About this many notices fit (each takes 32 bytes of ring: its header and 20 bytes, aligned). */
    public static final int CAPACITY_NOTICES = 4096;
    private static final int NOTICE_TYPE = 1;
    private static final int NOTICE_BYTES = Integer.BYTES + 2 * Long.BYTES;

    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(CAPACITY_NOTICES * 32 + RingBufferDescriptor.TRAILER_LENGTH)));
    private final ThreadLocal<UnsafeBuffer> scratch = ThreadLocal.withInitial(() ->
        new UnsafeBuffer(new byte[NOTICE_BYTES]));
    private Handler target; // the drainer's, set by drain
    private final MessageHandler reader = (type, buffer, index, length) -> target.onKeyedRead(buffer.getInt(index),
        buffer.getLong(index + Integer.BYTES), buffer.getLong(index + Integer.BYTES + Long.BYTES));

    /** Receives drained notices. */
    @FunctionalInterface
    public interface Handler
    {
        /**
         * @param block the block read, or -1 for a key that was not found.
         */
        void onKeyedRead(int namespaceId, long block, long generation);
    }

    /**
     * Offers one notice: a key served from {@code block} sealed with {@code generation}, or missed (-1).
     *
     * @return whether the ring took it (false: full, the notice is dropped).
     */
    public boolean offer(final int namespaceId, final long block, final long generation)
    {
        final UnsafeBuffer notice = scratch.get();
        notice.putInt(0, namespaceId);
        notice.putLong(Integer.BYTES, block);
        notice.putLong(Integer.BYTES + Long.BYTES, generation);
        return ring.write(NOTICE_TYPE, notice, 0, NOTICE_BYTES);
    }

    /**
     * Hands every notice offered so far to {@code handler}, on the calling (control agent's) thread.
     *
     * @return notices drained.
     */
    public int drain(final Handler handler)
    {
        target = handler;
        return ring.read(reader);
    }
}
