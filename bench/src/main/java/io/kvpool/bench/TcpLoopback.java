package io.kvpool.bench;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.zip.CRC32C;

/**
 * Batches of blocks over one TCP connection on 127.0.0.1 ({@link LoopbackCommand}): each block a 16-byte header
 * (u32 length, u32 flags, little-endian) and its bytes, written from the source in one gathering write and read by
 * the receiving thread straight into the ring; a header of length 0 ends the batch, answered with 4 bytes (the
 * batch's CRC32C as received where its blocks asked for it, else 0). 4 MiB socket buffers both ways, no Nagle.
 * One sender thread; close once.
 */
final class TcpLoopback implements LoopbackCommand.Stream
{
    private static final int HEADER = 16;
    private static final int VERIFY = 1;
    private static final int BUFFER_BYTES = 4 << 20;

    private final MemorySegment source;
    private final long blockSize;
    private final MemorySegment ring;
    private final ServerSocketChannel server;
    private final SocketChannel client;
    private final Thread receiver;
    private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer answer = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
    private volatile Exception failure;

    TcpLoopback(final MemorySegment source, final long blockSize, final MemorySegment ring) throws IOException
    {
        this.source = source;
        this.blockSize = blockSize;
        this.ring = ring;
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open();
        tune(client);
        client.connect(server.getLocalAddress());
        final SocketChannel accepted = server.accept();
        tune(accepted);
        receiver = Thread.ofPlatform().name("loopback-tcp-receiver").daemon().start(() -> receive(accepted));
    }

    @Override
    public int batch(final boolean verify) throws IOException
    {
        for (int i = 0; i < LoopbackCommand.BATCH; i++)
        {
            header.clear().putInt(0, (int)blockSize).putInt(4, verify ? VERIFY : 0);
            final ByteBuffer bytes = source.asSlice(i * blockSize, blockSize).asByteBuffer();
            final ByteBuffer[] both = {header, bytes};
            while (bytes.hasRemaining())
            {
                client.write(both);
            }
        }
        header.clear().putInt(0, 0).putInt(4, 0);
        while (header.hasRemaining())
        {
            client.write(header);
        }
        answer.clear();
        while (answer.hasRemaining())
        {
            if (client.read(answer) < 0)
            {
                throw new IOException("the receiver closed the connection", failure);
            }
        }
        return answer.getInt(0);
    }

    private void receive(final SocketChannel channel)
    {
        final ByteBuffer in = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
        final CRC32C crc = new CRC32C();
        long offset = 0;
        try (channel)
        {
            while (readFully(channel, in.clear()))
            {
                final int length = in.getInt(0);
                if (length == 0)
                {
                    out.clear().putInt(0, (int)crc.getValue());
                    while (out.hasRemaining())
                    {
                        channel.write(out);
                    }
                    crc.reset();
                    continue;
                }
                if (offset + length > ring.byteSize())
                {
                    offset = 0;
                }
                final ByteBuffer block = ring.asSlice(offset, length).asByteBuffer();
                if (!readFully(channel, block))
                {
                    throw new EOFException("the sender closed the connection inside a block");
                }
                if ((in.getInt(4) & VERIFY) != 0)
                {
                    crc.update(block.flip());
                }
                offset += length;
            }
        }
        catch (final IOException ex)
        {
            failure = ex;
        }
    }

    /** @return false at the end of the stream before the first byte; true once {@code buffer} is full. */
    private static boolean readFully(final SocketChannel channel, final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                if (buffer.position() == 0)
                {
                    return false;
                }
                throw new EOFException("the connection ended inside a message");
            }
        }
        return true;
    }

    private static void tune(final SocketChannel channel) throws IOException
    {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
    }

    @Override
    public void close() throws Exception
    {
        client.close();
        receiver.join(5_000);
        server.close();
    }
}
