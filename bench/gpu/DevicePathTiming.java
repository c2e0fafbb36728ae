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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Times the client's device path (KvNamespace.getToDevice of 32 blocks) beside a plain pinned host-to-device copy
 * of the same bytes, on one GPU. A single source file, compiled against a build's jars, so that two builds can be
 * timed side by side in one run (bench/gpu: javac -cp 'LIB/*' -d DIR DevicePathTiming.java). Args: block bytes.
 */
public final class DevicePathTiming
{
    public static void main(final String[] args) throws Exception
    {
        final long block = Long.parseLong(args[0]);
        final int blocks = 32;
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-timing-");
        try (PoolManager manager = PoolManager.launch(new ManagerContext().pool(new PoolContext()
                     .regionFile(directory.resolve("region")).regionSizeBytes(1L << 30).slabSizeBytes(64L << 20))
                 .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken("admin"));
             Arena arena = Arena.ofConfined())
        {
            try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(directory.resolve("aeron")).namespace("").token("admin").connectTimeout(Duration.ofSeconds(20))))
            {
                admin.createNamespace("t", block, 0, 0, "t");
            }
            try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(directory.resolve("aeron"))
                     .connectTimeout(Duration.ofSeconds(20)));
                 GpuBridge bridge = GpuBridge.open(0))
            {
                final KvNamespace ns = pool.namespace("t", block, "t");
                final byte[][] raw = new byte[blocks][];
                final MemorySegment[] sources = new MemorySegment[blocks];
                for (int i = 0; i < blocks; i++)
                {
                    raw[i] = ByteBuffer.allocate(32).putLong(i).putLong(block).array();
                    sources[i] = arena.allocate(block, 4096).fill((byte)i);
                }
                final BlockKeys keys = BlockKeys.of(raw);
                if (ns.put(keys, sources).okCount() != blocks)
                {
                    throw new IllegalStateException("put failed");
                }
                pool.registerWith(bridge, GpuBridge.Method.AUTO);
                final long device = bridge.allocate(blocks * block);
                final long[] pointers = new long[blocks];
                for (int i = 0; i < blocks; i++)
                {
                    pointers[i] = device + i * block;
                }
                final MemorySegment host = arena.allocate(blocks * block, 4096);
                try (PinnedMemory ignored = bridge.register(host))
                {
                    for (int i = 0; i < 20; i++)
                    {
                        ns.getToDevice(keys, pointers).get(60, TimeUnit.SECONDS);
                        bridge.copySync(device, host.address(), blocks * block);
                    }
                    for (int round = 0; round < 3; round++)
                    {
                        final int iterations = 200;
                        long start = System.nanoTime();
                        for (int i = 0; i < iterations; i++)
                        {
                            if (ns.getToDevice(keys, pointers).get(60, TimeUnit.SECONDS).okCount() != blocks)
                            {
                                throw new IllegalStateException("getToDevice missed");
                            }
                        }
                        final double get = iterations * blocks * (double)block / (System.nanoTime() - start);
                        start = System.nanoTime();
                        for (int i = 0; i < iterations; i++)
                        {
                            bridge.copySync(device, host.address(), blocks * block);
                        }
                        final double copy = iterations * blocks * (double)block / (System.nanoTime() - start);
                        System.out.printf("block %d KiB: getToDevice %.2f GB/s, pinned copy %.2f GB/s, ratio %.3f%n",
                            block >> 10, get, copy, get / copy);
                    }
                }
                finally
                {
                    bridge.free(device);
                }
            }
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }
}
