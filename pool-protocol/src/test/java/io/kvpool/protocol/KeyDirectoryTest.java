package io.kvpool.protocol;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The key directory on a region laid out by {@link RegionGeometry#layout}: where it lives and how large, the hash
 * every implementation must agree on, and that a slot is only ever a hint — a stale, overwritten, foreign or random
 * slot never yields a block that is not the key's sealed one.
 */
class KeyDirectoryTest
{
    private static final long MIB = 1L << 20;
    private static final ValueLayout.OfLong SLOT = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** 2 MiB slabs of 512 entries; one more MiB than the slabs need, so the tail holds a directory. */
    private final RegionGeometry geometry = RegionGeometry.layout(17 * MIB, 2 * MIB, 4096, 8);
    private final MemorySegment region = Arena.ofAuto().allocate(geometry.regionLengthBytes(), 4096);
    private final KeyDirectory directory = KeyDirectory.of(region, geometry);

    @Test
    void shouldLiveInTheTailAndShrinkToFitIt()
    {
        assertEquals(7, geometry.slabCount());
        assertEquals(16 * MIB, KeyDirectory.offset(geometry), "past the last slab");
        assertEquals(512, KeyDirectory.buckets(geometry), "7 x 512 entries / 8, rounded up to a power of two");
        assertEquals(512, directory.buckets());

        assertNull(KeyDirectory.of(region, RegionGeometry.layout(16 * MIB, 2 * MIB, 4096, 8)), "no tail");
        assertNull(KeyDirectory.of(region.asSlice(0, 16 * MIB + 4096), geometry), "a mapping that ends before it");
        final RegionGeometry shortTail = RegionGeometry.layout(16 * MIB + 8192, 2 * MIB, 4096, 8);
        assertEquals(128, KeyDirectory.buckets(shortTail), "halved to the 8 KiB there is");
        final RegionGeometry tooShort = RegionGeometry.layout(16 * MIB + 4032, 2 * MIB, 4096, 8);
        assertEquals(0, KeyDirectory.buckets(tooShort), "below 64 buckets none is kept");
    }

    @Test
    void shouldHashAsTheSpecificationSays()
    {
        // Values from an independent implementation of region-format.md §7 (Python, the spec's formula).
        final byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)i;
        }
        assertEquals(0x9B9F827E1EF64A51L, KeyDirectory.hash(7, MemorySegment.ofArray(key), 0));
        assertEquals(0xE45C8C8E64B2DC6DL, KeyDirectory.hash(1, MemorySegment.ofArray(new byte[32]), 0));
    }

    @Test
    void shouldFindOnlyTheKeysSealedBlockInItsNamespace()
    {
        seal(3, 1, key(1), 5, 1000, 0xABCD);
        seal(4, 2, key(1), 9, 2000, 0x1234);
        directory.sealed(3);
        directory.sealed(4);

        final KeyDirectory.Hit hit = find(1, key(1));
        assertNotNull(hit);
        assertEquals(3, hit.blockIndex());
        assertEquals(5, hit.generation());
        assertEquals(1000, hit.payloadLengthBytes());
        assertEquals(0xABCD, hit.checksum());
        assertEquals(4, find(2, key(1)).blockIndex(), "the same key in another namespace is another block");
        assertNull(find(3, key(1)), "a namespace that never stored it");
        assertNull(find(1, key(2)), "a key never stored");

        // Freed, then reused for another key: the slot still names block 3, and is not believed.
        stamp(3, 5, BlockTableDescriptor.FREE);
        assertNull(find(1, key(1)), "freed");
        seal(3, 1, key(2), 6, 10, 0);
        assertNull(find(1, key(1)), "block 3 now holds another key");
        assertNull(find(1, key(2)), "key 2 was never entered");
        directory.sealed(3);
        assertEquals(6, find(1, key(2)).generation());
        stamp(3, 6, BlockTableDescriptor.WRITING);
        assertNull(find(1, key(2)), "not sealed");
    }

    @Test
    void shouldRefuseForgedSlotsThatNameAnotherKeysOrNamespacesBlock()
    {
        seal(3, 1, key(1), 5, 1000, 0xABCD);
        forge(3, key(1), 3, 0);
        forge(1, key(2), 3, 1);
        forge(1, key(3), geometry.blockTableEntries(), 2);
        assertNull(find(3, key(1)), "block 3 belongs to namespace 1");
        assertNull(find(1, key(2)), "block 3 holds key 1");
        assertNull(find(1, key(3)), "no such block");
        forge(1, key(1), 3, 3);
        assertEquals(3, find(1, key(1)).blockIndex(), "the forged slot happens to be right");
    }

    /** Writes slot {@code slot} of the key's bucket as the manager would for {@code block}. */
    private void forge(final int namespaceId, final byte[] key, final long block, final int slot)
    {
        final long h = KeyDirectory.hash(namespaceId, MemorySegment.ofArray(key), 0);
        final long bucket = KeyDirectory.offset(geometry) + (h & (directory.buckets() - 1)) * 64;
        region.set(SLOT, bucket + slot * 8L, ((h >>> 32) | 1) << 32 | block);
    }

    @Test
    void shouldKeepLiveSlotsAndReuseStaleOnesInAFullBucket()
    {
        final List<byte[]> keys = keysInBucket(0, 10);
        for (int i = 0; i < 8; i++)
        {
            seal(i, 1, keys.get(i), 1, 100 + i, i);
            directory.sealed(i);
        }
        for (int i = 0; i < 8; i++)
        {
            assertEquals(i, find(1, keys.get(i)).blockIndex(), "eight fit one bucket");
        }
        stamp(5, 1, BlockTableDescriptor.FREE);
        seal(8, 1, keys.get(8), 1, 108, 8);
        directory.sealed(8);
        assertEquals(8, find(1, keys.get(8)).blockIndex(), "took the slot of freed block 5");
        for (int i = 0; i < 8; i++)
        {
            if (i != 5)
            {
                assertEquals(i, find(1, keys.get(i)).blockIndex(), "live slots kept");
            }
        }

        // Nine live blocks for eight slots: one key is pushed out, and only to the manager's LOOKUP.
        seal(9, 1, keys.get(9), 1, 109, 9);
        directory.sealed(9);
        int found = 0;
        for (final int i : new int[] {0, 1, 2, 3, 4, 6, 7, 8, 9})
        {
            final KeyDirectory.Hit hit = find(1, keys.get(i));
            found += hit == null ? 0 : 1;
            assertEquals(hit == null ? -1 : i, hit == null ? -1 : hit.blockIndex());
        }
        assertEquals(8, found);
    }

    @Test
    void shouldRebuildFromTheBlockTableOverAnyGarbage()
    {
        final Random random = new Random(42);
        final MemorySegment area = region.asSlice(KeyDirectory.offset(geometry), directory.buckets() * 64);
        for (long i = 0; i < area.byteSize(); i += 8)
        {
            area.set(SLOT, i, random.nextLong());
        }
        for (int i = 0; i < 200; i++)
        {
            assertNull(find(1 + (i & 1), key(i)), "random slots name no sealed block");
        }
        for (int b = 0; b < 300; b++)
        {
            seal(b, 1, key(b), 1, b, b);
        }
        stamp(7, 1, BlockTableDescriptor.WRITING);
        assertEquals(299, directory.rebuild());
        assertNull(find(1, key(7)), "block 7 is being written");
        for (int b = 0; b < 300; b++)
        {
            if (b != 7)
            {
                assertEquals(b, find(1, key(b)).blockIndex());
            }
        }
    }

    @Test
    void shouldBeReadOnlyFromARegionOfFormat12()
    {
        SuperblockDescriptor.write(region, geometry, UUID.randomUUID(), 1);
        assertNotNull(KeyDirectory.attach(region, geometry), "written at this version");
        region.set(ValueLayout.JAVA_INT, SuperblockDescriptor.MINOR_VERSION_OFFSET, 1);
        assertNull(KeyDirectory.attach(region, geometry), "a 1.1 region's tail is not a directory");
    }

    private KeyDirectory.Hit find(final int namespaceId, final byte[] key)
    {
        return directory.find(namespaceId, MemorySegment.ofArray(key), 0);
    }

    private List<byte[]> keysInBucket(final long bucket, final int count)
    {
        final List<byte[]> keys = new ArrayList<>();
        for (long value = 0; keys.size() < count; value++)
        {
            final byte[] key = key(value);
            if ((KeyDirectory.hash(1, MemorySegment.ofArray(key), 0) & (directory.buckets() - 1)) == bucket)
            {
                keys.add(key);
            }
        }
        return keys;
    }

    private void seal(
        final int block, final int namespaceId, final byte[] key, final long generation, final int length,
        final int checksum)
    {
        final long entry = geometry.blockEntryOffset(block);
        BlockTableDescriptor.owner(region, entry, namespaceId, key, 0);
        BlockTableDescriptor.payload(region, entry, length, checksum);
        stamp(block, generation, BlockTableDescriptor.SEALED);
    }

    private void stamp(final int block, final long generation, final int state)
    {
        BlockTableDescriptor.stampRelease(region, geometry.blockEntryOffset(block),
            BlockTableDescriptor.stamp(generation, state));
    }

    private static byte[] key(final long value)
    {
        final byte[] key = new byte[32];
        MemorySegment.ofArray(key).set(ValueLayout.JAVA_LONG_UNALIGNED, 8, value * 0x9E3779B97F4A7C15L + 1);
        return key;
    }
}
