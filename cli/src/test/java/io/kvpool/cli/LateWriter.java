package io.kvpool.cli;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.protocol.Payloads;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The writer of {@link LateWriterTest}, in its own JVM so that the test can freeze (SIGSTOP) and kill it: puts
 * batches of {@code count} blocks on the mapped path, round after round with fresh keys ({@code round * count}
 * onwards), each block's bytes derived from its key ({@link Payloads#fill}); prints "round R stored N" after each.
 * A failed put (the manager restarting under it) is printed and the next round goes on. Arguments: aeronDir namespace
 * token count blockSizeBytes rounds [holdFile]: while the hold file exists, no round begins after the one that
 * ended (the test then reads what this writer's last round left, with no next round evicting it meanwhile).
 */
public final class LateWriter
{
    private LateWriter()
    {
    }

    public static void main(final String[] args)
    {
        final Path aeronDir = Path.of(args[0]);
        final int count = Integer.parseInt(args[3]);
        final long blockSizeBytes = Long.parseLong(args[4]);
        final int rounds = Integer.parseInt(args[5]);
        final Path hold = args.length > 6 ? Path.of(args[6]) : null;
        try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(aeronDir)
                 .connectTimeout(Duration.ofSeconds(30)));
             Arena arena = Arena.ofShared())
        {
            final KvNamespace ns = pool.namespace(args[1], blockSizeBytes, args[2]);
            final MemorySegment[] sources = new MemorySegment[count];
            for (int round = 0; round < rounds; round++)
            {
                final long first = 1_000_000L + (long)round * count;
                for (int i = 0; i < count; i++)
                {
                    if (sources[i] == null)
                    {
                        sources[i] = arena.allocate(blockSizeBytes, 64);
                    }
                    Payloads.fill(sources[i], first + i);
                }
                try
                {
                    final BatchResult result = ns.put(ClientWorker.keys(first, count), sources);
                    System.out.println("round " + round + " stored " + result.presentCount());
                }
                catch (final RuntimeException ex)
                {
                    System.out.println("round " + round + " failed: " + ex.getMessage());
                }
                while (hold != null && Files.exists(hold))
                {
                    sleep();
                }
            }
        }
        System.out.println("done");
        System.exit(0);
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(5);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while held", ex);
        }
    }

    static BlockKeys keys(final long first, final int count)
    {
        return ClientWorker.keys(first, count);
    }
}
