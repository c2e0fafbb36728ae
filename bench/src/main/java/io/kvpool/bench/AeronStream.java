package io.kvpool.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.kvpool.client.internal.UdpEndpoints;
import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.wire.DataEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Batches of blocks over a bare Aeron UDP stream on 127.0.0.1 ({@link LoopbackCommand}), set up as kvpool's data
 * path is: the sending side's embedded media driver on one thread (SHARED, backing off as a client's data driver
 * does), the receiving side's driver run by the thread that copies each message into the ring (as the manager's
 * thread runs its driver and data agent), the data channels' MTU, terms, receive window and socket buffers
 * ({@link DataEncoder}). A block goes in messages of at most {@link DataEncoder#CHUNK_BYTES}, each an 8-byte header
 * (u32 flags, u32 the block's length in its first message) and its bytes, offered straight from the source, and
 * lands whole in the ring (which wraps between blocks, as the TCP stream's does); an END message closes the batch
 * and is answered on a reply stream with the batch's CRC32C as received (where asked) or 0. One sender thread;
 * close once.
 */
final class AeronStream implements LoopbackCommand.Stream
{
    private static final int HEADER = 8;
    private static final int VERIFY = 1;
    private static final int END = 2;
    /** The first message of a block: the header's second int is the block's length. */
    private static final int FIRST = 4;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final long blockSize;
    private final MemorySegment ring;
    private final UnsafeBuffer ringView;
    private final MediaDriver sendDriver;
    private final MediaDriver receiveDriver;
    private final Aeron sendAeron;
    private final Aeron receiveAeron;
    private final ExclusivePublication data;
    private final Subscription replies;
    private final Thread receiver;
    private final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADER));
    private final UnsafeBuffer sourceView;
    private final IdleStrategy idle = AeronIdle.BACKOFF.strategy(50_000);
    private final FragmentHandler onReply = this::onReply;
    private volatile boolean closed;
    private boolean answered;
    private int answer;

    AeronStream(final MemorySegment source, final long blockSize, final MemorySegment ring, final Path directory)
    {
        this.blockSize = blockSize;
        this.ring = ring;
        this.ringView = new UnsafeBuffer(ring.address(), (int)ring.byteSize());
        this.sourceView = new UnsafeBuffer(source.address(), (int)source.byteSize());
        sendDriver = MediaDriver.launchEmbedded(driver(directory.resolve("send"))
            .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(AeronIdle.BACKOFF.strategy(20_000)));
        receiveDriver = MediaDriver.launchEmbedded(driver(directory.resolve("receive"))
            .threadingMode(ThreadingMode.INVOKER));
        final AgentInvoker invoker = receiveDriver.sharedAgentInvoker();
        sendAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(sendDriver.aeronDirectoryName()));
        receiveAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(receiveDriver.aeronDirectoryName())
            .driverAgentInvoker(invoker));
        final Subscription incoming = receiveAeron.addSubscription("aeron:udp?endpoint=127.0.0.1:0" +
            DataEncoder.RECEIVE_PARAMS, 1);
        replies = sendAeron.addSubscription("aeron:udp?endpoint=127.0.0.1:0", 2);
        data = sendAeron.addExclusivePublication("aeron:udp?endpoint=" + resolved(incoming, invoker) +
            DataEncoder.SEND_PARAMS + "|term-length=" + DataEncoder.SINGLE_LANE_TERM_LENGTH + "|mtu=" +
            DataEncoder.MTU, 1);
        final ExclusivePublication replying = receiveAeron.addExclusivePublication("aeron:udp?endpoint=" +
            resolved(replies, invoker), 2);
        receiver = Thread.ofPlatform().name("loopback-aeron-receiver").daemon()
            .start(() -> receive(invoker, incoming, replying));
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (!data.isConnected() || !replying.isConnected())
        {
            failAfter(deadlineNs, "the stream did not connect");
            idle.idle();
        }
    }

    @Override
    public int batch(final boolean verify)
    {
        header.putInt(4, (int)blockSize);
        for (int i = 0; i < LoopbackCommand.BATCH; i++)
        {
            for (long at = 0; at < blockSize; at += DataEncoder.CHUNK_BYTES)
            {
                header.putInt(0, (verify ? VERIFY : 0) | (at == 0 ? FIRST : 0));
                offer((int)(i * blockSize + at), (int)Math.min(DataEncoder.CHUNK_BYTES, blockSize - at));
            }
        }
        header.putInt(0, END);
        offer(0, 0);
        answered = false;
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        idle.reset();
        while (!answered)
        {
            failAfter(deadlineNs, "no answer to a batch");
            idle.idle(replies.poll(onReply, 1));
        }
        return answer;
    }

    private void offer(final int offset, final int length)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        idle.reset();
        long result;
        while ((result = data.offer(header, 0, HEADER, sourceView, offset, length, null)) < 0)
        {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                throw new IllegalStateException("the data publication closed");
            }
            failAfter(deadlineNs, "the receiver took nothing");
            idle.idle();
        }
    }

    private void onReply(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        answer = buffer.getInt(offset);
        answered = true;
    }

    private void receive(final AgentInvoker invoker, final Subscription incoming, final ExclusivePublication replying)
    {
        final IdleStrategy wait = AeronIdle.BACKOFF.strategy(200_000);
        final UnsafeBuffer reply = new UnsafeBuffer(ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN));
        final CRC32C crc = new CRC32C();
        final long[] offset = {0};
        final boolean[] pending = {false};
        final FragmentHandler onData = (buffer, at, length, h) ->
        {
            final int flags = buffer.getInt(at);
            if ((flags & END) != 0)
            {
                reply.putInt(0, (int)crc.getValue());
                crc.reset();
                pending[0] = true;
                return;
            }
            final int bytes = length - HEADER;
            if ((flags & FIRST) != 0 && offset[0] + buffer.getInt(at + 4) > ring.byteSize())
            {
                offset[0] = 0;
            }
            ringView.putBytes((int)offset[0], buffer, at + HEADER, bytes);
            if ((flags & VERIFY) != 0)
            {
                crc.update(ring.asSlice(offset[0], bytes).asByteBuffer());
            }
            offset[0] += bytes;
        };
        while (!closed)
        {
            int work = invoker.invoke();
            if (pending[0] && replying.offer(reply, 0, 4) > 0)
            {
                pending[0] = false;
                work++;
            }
            if (!pending[0])
            {
                work += incoming.poll(onData, 8);
            }
            wait.idle(work);
        }
    }

    private static MediaDriver.Context driver(final Path directory)
    {
        return new MediaDriver.Context().aeronDirectoryName(directory.toString()).dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true).termBufferSparseFile(true);
    }

    private static String resolved(final Subscription subscription, final AgentInvoker invoker)
    {
        final String endpoint = UdpEndpoints.awaitResolved(subscription, () ->
        {
            invoker.invoke(); // the receiving driver binds it on this thread's turns
            Thread.onSpinWait();
        }, TIMEOUT_NS);
        if (endpoint == null)
        {
            throw new IllegalStateException("a UDP endpoint did not bind within " +
                TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NS) + " s");
        }
        return endpoint;
    }

    private static void failAfter(final long deadlineNs, final String what)
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            throw new IllegalStateException(what + " within " + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NS) + " s");
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        closed = true;
        receiver.join(5_000);
        CloseHelper.quietCloseAll(sendAeron, receiveAeron, sendDriver, receiveDriver);
    }
}
