package io.kvpool.manager.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
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

    @Test
    void shouldReadAndUpdateAKeyUnderOneOpenEntry()
    {
        final byte[] keys = new byte[64];
        keys[0] = 42;
        keys[32] = 43;
        final File file = directory.resolve("index").toFile();
        try (BlockIndex index = BlockIndex.open(file, 1024, false))
        {
            try (BlockIndex.Entry entry = index.entry(1, keys, 0))
            {
                assertEquals(-1, entry.block(), "absent");
                entry.set(12, 3);
                assertEquals(12, entry.block(), "the open entry names what it was set to");
                assertEquals(3, entry.generation());
                entry.set(13, 4); // set twice under one lookup: replaced, not inserted again
            }
            assertEquals(13, index.get(1, keys, 0));
            assertEquals(4, index.lastGeneration());
            assertEquals(-1, index.get(2, keys, 0), "another namespace");
            assertEquals(-1, index.get(1, keys, 32), "another key");
            try (BlockIndex.Entry entry = index.entry(1, keys, 0))
            {
                assertEquals(13, entry.block());
                assertEquals(4, entry.generation());
                entry.set(20, 5);
            }
            index.put(1, keys, 32, 30, 1);
            try (BlockIndex view = index.view())
            {
                assertEquals(20, view.get(1, keys, 0), "another thread's view reads the update");
                assertEquals(5, view.lastGeneration());
                assertEquals(30, view.get(1, keys, 32));
            }
            assertEquals(2, index.size());
        }
        try (BlockIndex reopened = BlockIndex.open(file, 1024, false))
        {
            assertEquals(20, reopened.get(1, keys, 0), "persisted");
            assertEquals(5, reopened.lastGeneration());
            assertTrue(reopened.remove(1, keys, 32, 30, 1));
            assertEquals(1, reopened.size());
        }
    }
}
