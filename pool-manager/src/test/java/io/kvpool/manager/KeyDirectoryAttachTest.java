package io.kvpool.manager;

import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.KeyDirectory;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.zip.CRC32C;

import static io.kvpool.manager.PoolFixture.MIB;
import static io.kvpool.manager.PoolFixture.batchOf;
import static io.kvpool.manager.PoolFixture.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The manager keeps the region's key directory: every block it seals (committed, or granted and committed under a
 * key) is found there by a reader that maps the region, at the block the manager's own LOOKUP names; a manager that
 * attaches rebuilds it over whatever the tail held; and a region of format 1.0 or 1.1 is upgraded to 1.2 — and
 * attaches again afterwards.
 */
class KeyDirectoryAttachTest
{
    /** 2 MiB slabs and one spare MiB: the tail holds a directory. */
    private static final long REGION_BYTES = 17 * MIB;
    private static final int BLOCK_BYTES = 64 * 1024;

    private final PoolFixture fixture = new PoolFixture();

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldEnterEverySealedBlockAndRebuildTheDirectoryOnAttach() throws IOException
    {
        final int ns = formatWithKeys1To20();
        try (PoolCore pool = PoolCore.open(fixture.context(0)))
        {
            final BlockBatch grant = new BlockBatch();
            grant.addZeroKey();
            assertEquals(1, pool.grant(ns, grant, 0));
            final BlockBatch commit = new BlockBatch();
            commit.addKey(key(30));
            commit.blockIndex(0, grant.blockIndex(0));
            commit.generation(0, grant.generation(0));
            commit.length(0, 0);
            assertEquals(1, pool.commitKeyed(ns, commit));
            assertEquals(1, pool.remove(ns, batchOf(3)));

            final KeyDirectory directory = KeyDirectory.attach(pool.region().segment(), pool.geometry());
            assertNotNull(directory);
            assertFoundAsLookupSays(pool, directory, ns);
            assertNull(find(directory, ns, 3), "removed");
        }

        // Garbage over the whole directory while no manager is attached: the next one rebuilds it.
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment region = map(arena);
            final RegionGeometry geometry = SuperblockDescriptor.read(region);
            final Random random = new Random(7);
            final long offset = KeyDirectory.offset(geometry);
            for (long at = offset; at < offset + KeyDirectory.buckets(geometry) * 64; at += 8)
            {
                region.set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
            }
        }
        try (PoolCore pool = PoolCore.open(fixture.context(0)))
        {
            assertFoundAsLookupSays(pool, KeyDirectory.attach(pool.region().segment(), pool.geometry()), ns);
        }
    }

    @Test
    void shouldUpgradeRegionsOfFormats10And11AndAttachThemAgain() throws IOException
    {
        final int ns = formatWithKeys1To20();
        for (final int minor : new int[] {1, 0})
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment region = map(arena);
                final RegionGeometry geometry = SuperblockDescriptor.read(region);
                region.asSlice(KeyDirectory.offset(geometry), KeyDirectory.buckets(geometry) * 64).fill((byte)0);
                // 1.0 kept a 64-bit access tick where 1.1 keeps the tick and the writer intent.
                region.set(ValueLayout.JAVA_INT, geometry.blockEntryOffset(5) +
                    BlockTableDescriptor.WRITER_INTENT_OFFSET, minor == 0 ? 1 : 0);
                downgrade(region, minor);
            }
            try (PoolCore pool = PoolCore.open(fixture.context(0)))
            {
                final MemorySegment region = pool.region().segment();
                assertEquals(SuperblockDescriptor.MINOR_VERSION, SuperblockDescriptor.minorVersion(region));
                assertEquals(0, BlockTableDescriptor.writerIntent(region, pool.geometry().blockEntryOffset(5)));
                assertFoundAsLookupSays(pool, KeyDirectory.attach(region, pool.geometry()), ns);
            }
            try (PoolCore pool = PoolCore.open(fixture.context(0)))
            {
                assertEquals(20, pool.stats().indexEntries(), "attached again after the upgrade");
            }
        }
    }

    /**
     * Formats the region, creates a namespace and puts keys 1..20 (key v with 1000 + v bytes).
     *
     * @return the namespace's id.
     */
    private int formatWithKeys1To20()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(REGION_BYTES)))
        {
            final int ns = pool.createNamespace("m", BLOCK_BYTES, 0, 4).id();
            for (long value = 1; value <= 20; value++)
            {
                PoolFixture.put(pool, ns, value, 1000 + (int)value);
            }
            return ns;
        }
    }

    private static void assertFoundAsLookupSays(final PoolCore pool, final KeyDirectory directory, final int ns)
    {
        final BlockBatch looked = new BlockBatch();
        for (long value = 1; value <= 30; value++)
        {
            looked.addKey(key(value));
        }
        pool.lookup(ns, looked);
        int found = 0;
        for (int i = 0; i < looked.size(); i++)
        {
            final KeyDirectory.Hit hit = find(directory, ns, i + 1);
            if (looked.status(i) == Status.OK)
            {
                assertNotNull(hit, "key " + (i + 1));
                assertEquals(looked.blockIndex(i), hit.blockIndex());
                assertEquals(looked.generation(i), hit.generation());
                assertEquals(looked.length(i), hit.payloadLengthBytes());
                assertEquals(looked.checksum(i), hit.checksum());
                found++;
            }
            else
            {
                assertNull(hit, "key " + (i + 1));
            }
        }
        assertEquals(pool.stats().indexEntries(), found, "every indexed key, and only those");
    }

    private static KeyDirectory.Hit find(final KeyDirectory directory, final int ns, final long value)
    {
        return directory.find(ns, MemorySegment.ofArray(key(value)), 0);
    }

    private MemorySegment map(final Arena arena) throws IOException
    {
        try (FileChannel channel = FileChannel.open(fixture.regionFile, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
        }
    }

    /** Stores an older minor version, and the geometry checksum that covers it, as that version wrote them. */
    private static void downgrade(final MemorySegment region, final int minor)
    {
        region.set(ValueLayout.JAVA_INT, SuperblockDescriptor.MINOR_VERSION_OFFSET, minor);
        final CRC32C crc = new CRC32C();
        crc.update(region.asSlice(SuperblockDescriptor.MAJOR_VERSION_OFFSET,
            SuperblockDescriptor.GEOMETRY_CHECKSUM_OFFSET - SuperblockDescriptor.MAJOR_VERSION_OFFSET).asByteBuffer());
        region.set(ValueLayout.JAVA_INT, SuperblockDescriptor.GEOMETRY_CHECKSUM_OFFSET, (int)crc.getValue());
    }
}
