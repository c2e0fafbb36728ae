package io.kvpool.manager.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockIndexTest
{
    @TempDir
    Path directory;

    @Test
    void shouldRemoveAKeyOnlyWhileItNamesTheGivenIncarnation()
    {
        final byte[] keys = new byte[64];
        keys[3] = 1;
        keys[32 + 3] = 2;
        try (BlockIndex index = BlockIndex.open(directory.resolve("index").toFile(), 1024, false))
        {
            index.put(1, keys, 0, 5, 7);
            index.put(2, keys, 0, 9, 7);
            index.put(1, keys, 32, 6, 8);
            assertFalse(index.remove(1, keys, 0, 5, 8), "a later generation of the block");
            assertFalse(index.remove(1, keys, 0, 6, 7), "another block");
            assertFalse(index.remove(3, keys, 0, 5, 7), "another namespace");
            assertEquals(5, index.get(1, keys, 0));
            assertEquals(7, index.lastGeneration());
            assertTrue(index.remove(1, keys, 0, 5, 7));
            assertEquals(-1, index.get(1, keys, 0));
            assertFalse(index.remove(1, keys, 0, 5, 7), "already gone");
            assertEquals(9, index.get(2, keys, 0), "the same key of another namespace stays");
            assertEquals(6, index.get(1, keys, 32), "another key stays");
            assertEquals(2, index.size());
        }
    }
}
