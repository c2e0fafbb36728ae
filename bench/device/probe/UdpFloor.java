import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.Locale;

/**
 * The floor under kvpool's Aeron GETs on a host: one client thread asks a server thread for SIZE bytes over UDP on
 * loopback (one 16-byte request datagram) and the server answers with datagrams of at most 60 KiB, each sent by one
 * gathering write straight from its "region" (a header and a slice), which the client receives and copies into its
 * destination. Both threads spin on non-blocking sockets. No Aeron, no thread between socket and caller, the fewest
 * copies UDP allows: what a GET could cost if the Aeron hops cost nothing. Usage (JDK 25 source launcher):
 * {@code java [-Dpairs=N] UdpFloor.java [SECONDS] [SIZE_KIB ...]}: N client/server pairs at once (default 1), each
 * on sockets of its own, as N client threads of {@code bench remote} would be. Prints GETs/s and GB/s of all pairs
 * together and the mean microseconds per GET of one, per size.
 */
public final class UdpFloor
{
    private static final int CHUNK = 60 * 1024 - 128;
    private static final int HEADER = 16;

    public static void main(final String[] args) throws Exception
    {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        final int[] sizesKib = new int[Math.max(0, args.length - 1)];
        for (int i = 1; i < args.length; i++)
        {
            sizesKib[i - 1] = Integer.parseInt(args[i]);
        }
        final int[] sizes = sizesKib.length > 0 ? sizesKib : new int[]{16, 64, 256, 2048};
        final int pairs = Integer.getInteger("pairs", 1);
        final DatagramChannel[] clients = new DatagramChannel[pairs];
        for (int p = 0; p < pairs; p++)
        {
            final DatagramChannel server = open();
            clients[p] = open();
            clients[p].connect(server.getLocalAddress());
            Thread.ofPlatform().daemon().start(() -> serve(server));
        }
        System.out.printf("%-8s %6s %12s %10s %10s%n", "size", "pairs", "GETs/s", "GB/s", "us/GET");
        for (final int kib : sizes)
        {
            final int size = kib * 1024;
            final long[][] done = new long[pairs][];
            final Thread[] running = new Thread[pairs];
            for (int p = 0; p < pairs; p++)
            {
                final int pair = p;
                running[p] = Thread.ofPlatform().start(() ->
                {
                    final ByteBuffer destination = ByteBuffer.allocateDirect(size);
                    try
                    {
                        run(clients[pair], size, destination, 1);
                        done[pair] = run(clients[pair], size, destination, seconds);
                    }
                    catch (final IOException ex)
                    {
                        throw new java.io.UncheckedIOException(ex);
                    }
                });
            }
            long gets = 0;
            long lost = 0;
            for (int p = 0; p < pairs; p++)
            {
                running[p].join();
                gets += done[p][0];
                lost += done[p][1];
            }
            final double perSecond = gets / (double)seconds;
            System.out.printf(Locale.ROOT, "%-8s %6d %12.0f %10.2f %10.1f   (lost %d)%n", kib + "k", pairs,
                perSecond, perSecond * size / 1e9, 1e6 * pairs / perSecond, lost);
        }
    }

    private static DatagramChannel open() throws IOException
    {
        final DatagramChannel channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        channel.configureBlocking(false);
        return channel;
    }

    private static long[] run(final DatagramChannel client, final int size, final ByteBuffer destination,
        final int seconds) throws IOException
    {
        final ByteBuffer request = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer receive = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        final long endNs = System.nanoTime() + seconds * 1_000_000_000L;
        long sequence = System.nanoTime();
        long gets = 0;
        long lost = 0;
        while (System.nanoTime() < endNs)
        {
            sequence++;
            request.clear();
            request.putLong(0, sequence).putInt(8, size).limit(HEADER);
            client.write(request);
            int received = 0;
            final long giveUpNs = System.nanoTime() + 100_000_000L;
            while (received < size)
            {
                receive.clear();
                final int n = client.read(receive);
                if (n <= 0)
                {
                    if (System.nanoTime() > giveUpNs)
                    {
                        lost++;
                        break;
                    }
                    Thread.onSpinWait();
                    continue;
                }
                if (receive.getLong(0) != sequence)
                {
                    continue;
                }
                final int at = receive.getInt(8);
                receive.limit(n).position(HEADER);
                destination.put(at, receive, HEADER, n - HEADER);
                received += n - HEADER;
            }
            gets += received == size ? 1 : 0;
        }
        return new long[]{gets, lost};
    }

    private static void serve(final DatagramChannel server)
    {
        final ByteBuffer region = ByteBuffer.allocateDirect(64 << 20);
        for (int i = 0; i < region.capacity(); i += 8)
        {
            region.putLong(i, 0x0707070707070707L);
        }
        final ByteBuffer request = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer header = ByteBuffer.allocateDirect(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer[] gather = {header, null};
        long next = 0;
        try
        {
            while (!Thread.currentThread().isInterrupted())
            {
                request.clear();
                final InetSocketAddress from = (InetSocketAddress)server.receive(request);
                if (from == null)
                {
                    Thread.onSpinWait();
                    continue;
                }
                if (!server.isConnected())
                {
                    server.connect(from);
                }
                final long sequence = request.getLong(0);
                final int size = request.getInt(8);
                // Walk the region so that values come from memory, as a pool's would, not from one hot slice.
                final long base = next;
                next = (next + size + 4095) / 4096 * 4096 % ((64 << 20) - (2 << 20));
                for (int at = 0; at < size; at += CHUNK)
                {
                    final int length = Math.min(CHUNK, size - at);
                    header.clear();
                    header.putLong(0, sequence).putInt(8, at);
                    gather[1] = region.slice((int)base + at, length);
                    while (server.write(gather) == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
