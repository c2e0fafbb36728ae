package io.kvpool.cli;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.Payloads;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * An engine-like client process for system tests: writes blocks whose bytes derive from their key numbers, or
 * reads them back and compares every byte. Arguments: aeronDir namespace token write|read firstKey count
 * blockSizeBytes. Prints "wrote N" or "verified N"; exits 1 on any difference.
 */
public final class ClientWorker
{
    private ClientWorker()
    {
    }

    public static void main(final String[] args)
    {
        final Path aeronDir = Path.of(args[0]);
        final String namespace = args[1];
        final String token = args[2];
        final boolean write = "write".equals(args[3]);
        final long first = Long.parseLong(args[4]);
        final int count = Integer.parseInt(args[5]);
        final long blockSizeBytes = Long.parseLong(args[6]);
        int done = 0;
        try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(aeronDir).connectTimeout(Duration.ofSeconds(30)));
             Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace(namespace, blockSizeBytes, token);
            final MemorySegment[] segments = new MemorySegment[32];
            for (int i = 0; i < segments.length; i++)
            {
                segments[i] = arena.allocate(blockSizeBytes, 64);
            }
            final MemorySegment expected = arena.allocate(blockSizeBytes, 64);
            for (long start = first; start < first + count; start += 32)
            {
                final int n = (int)Math.min(32, first + count - start);
                final BlockKeys keys = keys(start, n);
                final MemorySegment[] batch = Arrays.copyOf(segments, n);
                if (write)
                {
                    for (int i = 0; i < n; i++)
                    {
                        batch[i] = segments[i].asSlice(0, length(start + i, blockSizeBytes));
                        Payloads.fill(batch[i], start + i);
                    }
                    done += ns.put(keys, batch).presentCount();
                    continue;
                }
                final BatchResult result = ns.get(keys, batch);
                for (int i = 0; i < n; i++)
                {
                    final int length = length(start + i, blockSizeBytes);
                    final MemorySegment want = expected.asSlice(0, length);
                    Payloads.fill(want, start + i);
                    if (result.status(i) != Status.OK || result.length(i) != length ||
                        batch[i].asSlice(0, length).mismatch(want) != -1)
                    {
                        System.out.println("MISMATCH key " + (start + i) + " status " + Status.name(result.status(i)));
                        System.exit(1);
                    }
                    done++;
                }
            }
        }
        System.out.println((write ? "wrote " : "verified ") + done);
        System.exit(0);
    }

    static int length(final long key, final long blockSizeBytes)
    {
        return (int)(blockSizeBytes - key % 1024);
    }

    static BlockKeys keys(final long first, final int count)
    {
        final byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            keys[i] = ByteBuffer.allocate(32).putLong(first + i).putLong(0x7B7B).array();
        }
        return BlockKeys.of(keys);
    }
}
