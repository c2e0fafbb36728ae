package io.kvpool.bench.gpu;

import io.kvpool.client.BatchResult;
import io.kvpool.client.BlockKeys;
import io.kvpool.client.KvNamespace;
import io.kvpool.client.KvPool;
import io.kvpool.client.KvPoolContext;
import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.gpu.GpuBridge;
import io.kvpool.gpu.PinnedMemory;
import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.FileTrees;
import io.kvpool.protocol.Payloads;
import io.kvpool.protocol.Status;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The client's device path on a real GPU, end to end: a pool manager in this JVM, a client on the mapped (CXL)
 * data path, the region registered with the GPU, then {@link KvNamespace#getToDevice} and
 * {@link KvNamespace#putFromDevice} on random blocks of assorted lengths with poisoned destinations, every byte
 * compared through an independent copy. Missing keys must leave their destinations untouched; a second put of the
 * same keys must answer ALREADY_EXISTS. Exits 1 on the first difference. Run by bench/gpu/run.sh.
 */
public final class GpuClientCheck
{
    private static final long BLOCK = 64 * 1024;
    private static final int BLOCKS = 96;
    private static final byte POISON = (byte)0xA5;

    private GpuClientCheck()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-gpu-client-");
        try (PoolManager manager = PoolManager.launch(new ManagerContext()
                 .pool(new PoolContext().regionFile(directory.resolve("region")).regionSizeBytes(64L << 20)
                     .slabSizeBytes(2L << 20).minBlockSizeBytes(4096).prefault(false))
                 .endpoint("127.0.0.1:0").embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1)
                 .adminToken("admin")))
        {
            try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(directory.resolve("aeron")).namespace("").token("admin")
                .connectTimeout(Duration.ofSeconds(20))))
            {
                admin.createNamespace("gpu", BLOCK, 0, 0, "t-gpu");
            }
            try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(directory.resolve("aeron"))
                     .connectTimeout(Duration.ofSeconds(20)));
                 Arena arena = Arena.ofConfined())
            {
                final KvNamespace ns = pool.namespace("gpu", BLOCK, "t-gpu");
                System.out.println("data path: " + pool.transportChoice());
                try (GpuBridge bridge = GpuBridge.open(0))
                {
                    // -Dkvpool.gpu.method=RESIDENT (or KERNEL, BATCH) checks that way of moving blocks.
                    pool.registerWith(bridge, GpuBridge.Method.valueOf(
                        System.getProperty("kvpool.gpu.method", "AUTO")));
                    check(ns, bridge, arena);
                }
            }
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }

    private static void check(final KvNamespace ns, final GpuBridge bridge, final Arena arena) throws Exception
    {
        final MemorySegment scratch = arena.allocate(BLOCKS * BLOCK, 4096);
        try (PinnedMemory ignored = bridge.register(scratch))
        {
            final long device = bridge.allocate(BLOCKS * BLOCK);
            try
            {
                final int checked = checkGet(ns, bridge, arena, scratch, device) +
                    checkPut(ns, bridge, arena, scratch, device);
                System.out.println("client device path: OK, " + checked + " blocks byte-compared");
            }
            finally
            {
                bridge.free(device);
            }
        }
    }

    /**
     * Puts random blocks from host memory, then gets them (and some missing keys) straight into poisoned device
     * memory.
     */
    private static int checkGet(
        final KvNamespace ns, final GpuBridge bridge, final Arena arena, final MemorySegment scratch, final long device)
        throws Exception
    {
        final int present = BLOCKS - 8;
        final MemorySegment[] sources = new MemorySegment[present];
        for (int i = 0; i < present; i++)
        {
            sources[i] = arena.allocate(length(i), 64);
            Payloads.fill(sources[i], 7_000 + i);
        }
        require(ns.put(keys(0, present), sources).okCount() == present, "host put of " + present + " blocks");

        final BlockKeys keys = keys(0, BLOCKS); // the last 8 were never put
        poisonDevice(bridge, scratch, device);
        final BatchResult got = ns.getToDevice(keys, pointers(device, BLOCKS)).get(60, TimeUnit.SECONDS);
        bridge.copySync(scratch.address(), device, BLOCKS * BLOCK);
        for (int i = 0; i < BLOCKS; i++)
        {
            final MemorySegment slot = scratch.asSlice(i * BLOCK, BLOCK);
            if (i < present)
            {
                require(got.status(i) == Status.OK && got.length(i) == length(i), "getToDevice status of block " + i +
                    ": " + got);
                require(slot.asSlice(0, length(i)).mismatch(sources[i]) == -1, "getToDevice bytes of block " + i);
                requirePoisoned(slot.asSlice(length(i)), "getToDevice wrote past block " + i);
            }
            else
            {
                require(got.status(i) == Status.NOT_FOUND, "getToDevice of missing key " + i + ": " + got);
                requirePoisoned(slot, "getToDevice touched the destination of missing key " + i);
            }
        }
        System.out.println("getToDevice: " + present + " blocks byte-compared, " + (BLOCKS - present) +
            " missing keys left their destinations poisoned");
        return present;
    }

    /**
     * Writes random blocks to device memory, puts them from there, gets them back to host memory by the ordinary
     * path and compares; a second put of the same keys must not overwrite them.
     */
    private static int checkPut(
        final KvNamespace ns, final GpuBridge bridge, final Arena arena, final MemorySegment scratch, final long device)
        throws Exception
    {
        Payloads.fill(scratch, 11);
        final MemorySegment expected = arena.allocate(BLOCKS * BLOCK, 64);
        expected.copyFrom(scratch);
        bridge.copySync(device, scratch.address(), BLOCKS * BLOCK);
        final int[] lengths = new int[BLOCKS];
        for (int i = 0; i < BLOCKS; i++)
        {
            lengths[i] = length(i + 3);
        }
        final BlockKeys keys = keys(10_000, BLOCKS);
        final BatchResult put = ns.putFromDevice(keys, pointers(device, BLOCKS), lengths).get(60, TimeUnit.SECONDS);
        require(put.okCount() == BLOCKS, "putFromDevice: " + put);

        final MemorySegment[] destinations = new MemorySegment[BLOCKS];
        for (int i = 0; i < BLOCKS; i++)
        {
            destinations[i] = arena.allocate(BLOCK, 64);
            destinations[i].fill(POISON);
        }
        final BatchResult got = ns.get(keys, destinations);
        for (int i = 0; i < BLOCKS; i++)
        {
            require(got.status(i) == Status.OK && got.length(i) == lengths[i], "get after putFromDevice, block " +
                i + ": " + got);
            require(destinations[i].asSlice(0, lengths[i]).mismatch(expected.asSlice(i * BLOCK, lengths[i])) == -1,
                "putFromDevice bytes of block " + i);
        }

        final BatchResult again = ns.putFromDevice(keys, pointers(device, BLOCKS), lengths).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < BLOCKS; i++)
        {
            require(again.status(i) == Status.ALREADY_EXISTS, "second putFromDevice of block " + i + ": " + again);
        }
        System.out.println("putFromDevice: " + BLOCKS + " blocks byte-compared; a second put answered " +
            "ALREADY_EXISTS for all");
        return BLOCKS;
    }

    /**
     * @return assorted lengths: whole blocks, odd sizes and a few bytes.
     */
    private static int length(final int i)
    {
        return switch (i % 4)
        {
            case 0 -> (int)BLOCK;
            case 1 -> (int)BLOCK - 17 * i;
            case 2 -> 4096 + 13 * i;
            default -> 1 + i;
        };
    }

    private static long[] pointers(final long device, final int count)
    {
        final long[] pointers = new long[count];
        for (int i = 0; i < count; i++)
        {
            pointers[i] = device + i * BLOCK;
        }
        return pointers;
    }

    private static BlockKeys keys(final long first, final int count)
    {
        final byte[][] keys = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            final long value = first + i;
            keys[i] = new byte[BlockKeys.KEY_BYTES];
            for (int b = 0; b < 8; b++)
            {
                keys[i][b] = (byte)(value >>> (8 * b));
            }
            keys[i][BlockKeys.KEY_BYTES - 1] = 0x47;
        }
        return BlockKeys.of(keys);
    }

    private static void poisonDevice(final GpuBridge bridge, final MemorySegment scratch, final long device)
    {
        scratch.fill(POISON);
        bridge.copySync(device, scratch.address(), scratch.byteSize());
    }

    private static void requirePoisoned(final MemorySegment segment, final String what)
    {
        for (long i = 0; i < segment.byteSize(); i++)
        {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != POISON)
            {
                fail(what + " (offset " + i + ")");
            }
        }
    }

    private static void require(final boolean condition, final String what)
    {
        if (!condition)
        {
            fail(what);
        }
    }

    private static void fail(final String what)
    {
        System.out.println("FAILED: " + what);
        System.exit(1);
    }
}
