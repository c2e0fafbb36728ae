package io.kvpool.manager;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import static io.kvpool.manager.PoolFixture.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attaching to a region whose superblock does not match is refused with an error naming the field and both
 * values, and nothing is written to the region.
 */
class RegionFormatTest
{
    private final PoolFixture fixture = new PoolFixture();

    @BeforeEach
    void formatRegion()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB)))
        {
            final int ns = pool.createNamespace("m", 64 * 1024, 0, 4).id();
            PoolFixture.put(pool, ns, 1, 1000);
        }
    }

    @AfterEach
    void tearDown()
    {
        fixture.close();
    }

    @Test
    void shouldRefuseWrongMagicAndLeaveRegionUntouched() throws Exception
    {
        writeLong(SuperblockDescriptor.MAGIC_OFFSET, 0x4141414141414141L);
        final PoolException ex = refused(ErrorCode.REGION_BAD_MAGIC);
        assertTrue(ex.getMessage().contains("field=magic"), ex.getMessage());
        assertTrue(ex.getMessage().contains("found=0x4141414141414141"), ex.getMessage());
    }

    @Test
    void shouldRefuseOtherMajorVersion() throws Exception
    {
        writeInt(SuperblockDescriptor.MAJOR_VERSION_OFFSET, SuperblockDescriptor.MAJOR_VERSION + 1);
        final PoolException ex = refused(ErrorCode.REGION_BAD_VERSION);
        assertTrue(ex.getMessage().contains("field=majorVersion expected=1 found=2"), ex.getMessage());
    }

    @Test
    void shouldRefuseCorruptGeometry() throws Exception
    {
        writeLong(SuperblockDescriptor.SLAB_SIZE_OFFSET, 4 * MIB);
        final PoolException ex = refused(ErrorCode.REGION_BAD_GEOMETRY);
        assertTrue(ex.getMessage().contains("field=geometryChecksum"), ex.getMessage());
    }

    @Test
    void shouldRefuseGeometryOtherThanRequested() throws Exception
    {
        final String before = digest();
        final PoolException ex = assertThrows(PoolException.class,
            () -> PoolCore.open(fixture.context(16 * MIB).slabSizeBytes(4 * MIB)));
        assertEquals(ErrorCode.REGION_BAD_GEOMETRY, ex.errorCode());
        assertTrue(ex.getMessage().contains("field=slabSizeBytes requested=4194304 recorded=2097152"),
            ex.getMessage());
        assertEquals(before, digest(), "a refused attach writes nothing");
    }

    @Test
    void shouldRefuseTruncatedRegion() throws Exception
    {
        try (FileChannel channel = FileChannel.open(fixture.regionFile, StandardOpenOption.WRITE))
        {
            channel.truncate(8 * MIB);
        }
        final PoolException ex = refused(ErrorCode.REGION_TRUNCATED);
        assertTrue(ex.getMessage().contains("recorded=" + 16 * MIB + " mapped=" + 8 * MIB), ex.getMessage());
        assertEquals(8 * MIB, Files.size(fixture.regionFile), "the file is not extended");
    }

    @Test
    void shouldRefuseRegionShorterThanSuperblock() throws Exception
    {
        try (FileChannel channel = FileChannel.open(fixture.regionFile, StandardOpenOption.WRITE))
        {
            channel.truncate(1000);
        }
        final PoolException ex = assertThrows(PoolException.class, () -> PoolCore.open(fixture.context(0)));
        assertTrue(ex.errorCode() == ErrorCode.REGION_TRUNCATED || ex.errorCode() == ErrorCode.REGION_MAP_FAILED,
            ex.getMessage());
    }

    @Test
    void shouldRefuseUnformattedRegionWithoutFormatFlagAndFormatWithIt() throws Exception
    {
        try (RandomAccessFile file = new RandomAccessFile(fixture.regionFile.toFile(), "rw"))
        {
            file.write(new byte[SuperblockDescriptor.LENGTH_BYTES]);
        }
        refused(ErrorCode.REGION_NOT_FORMATTED);
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).format(true)))
        {
            assertTrue(pool.recoveryReport().formatted());
            assertTrue(pool.namespaces().isEmpty());
        }
    }

    @Test
    void shouldFormatOnlyANeverFormattedRegionWhenAskedToFormatIfEmpty() throws Exception
    {
        // A pool is attached as it is: its block survives.
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).formatIfEmpty(true)))
        {
            assertFalse(pool.recoveryReport().formatted());
            assertEquals(1, pool.stats().namespaces().getFirst().sealedBlocks());
        }
        // Foreign bytes where the superblock goes are refused, untouched.
        writeLong(SuperblockDescriptor.MAGIC_OFFSET, 0x4141414141414141L);
        final String before = digest();
        final PoolException ex = assertThrows(PoolException.class,
            () -> PoolCore.open(fixture.context(0).formatIfEmpty(true)));
        assertEquals(ErrorCode.REGION_BAD_MAGIC, ex.errorCode(), ex.getMessage());
        assertEquals(before, digest(), "a refused attach writes nothing");
        // A fresh (all-zero) region is formatted.
        try (RandomAccessFile file = new RandomAccessFile(fixture.regionFile.toFile(), "rw"))
        {
            file.write(new byte[SuperblockDescriptor.LENGTH_BYTES]);
        }
        try (PoolCore pool = PoolCore.open(fixture.context(16 * MIB).formatIfEmpty(true)))
        {
            assertTrue(pool.recoveryReport().formatted());
            assertTrue(pool.namespaces().isEmpty());
        }
    }

    @Test
    void shouldNeverReformatExistingRegionImplicitly()
    {
        try (PoolCore pool = PoolCore.open(fixture.context(64 * MIB)))
        {
            assertFalse(pool.recoveryReport().formatted());
            assertEquals(16 * MIB, pool.geometry().regionLengthBytes());
            assertEquals(1, pool.stats().namespaces().getFirst().sealedBlocks());
        }
    }

    @Test
    void shouldExplainMissingRegionSource()
    {
        final PoolException ex = assertThrows(PoolException.class, () -> PoolCore.open(new PoolContext()));
        assertEquals(ErrorCode.CONFIG_INVALID, ex.errorCode());
        final PoolException anonymous = assertThrows(PoolException.class,
            () -> PoolCore.open(new PoolContext().regionSource(RegionSource.anonymous(MIB))));
        assertTrue(anonymous.getMessage().contains("indexFile"), anonymous.getMessage());
    }

    @Test
    void shouldNameAMissingDevdaxDeviceBeforeCreatingAnythingForIt()
    {
        // The index's directory does not exist either: the device is what the manager names, and it creates
        // nothing (no lock file) for a device that is not there.
        final Path indexFile = fixture.directory.resolve("absent").resolve("dax9.9.index");
        final PoolException ex = assertThrows(PoolException.class, () -> PoolCore.open(new PoolContext()
            .regionSource(new RegionSource.DevDax(Path.of("/dev/dax9.9"), fixture.directory))
            .indexFile(indexFile)));
        assertEquals(ErrorCode.REGION_MAP_FAILED, ex.errorCode());
        assertTrue(ex.getMessage().contains("no devdax device dax9.9: "), ex.getMessage());
        assertFalse(Files.exists(indexFile.getParent()), "nothing created");
    }

    private PoolException refused(final ErrorCode expected) throws Exception
    {
        final String before = digest();
        final PoolException ex = assertThrows(PoolException.class, () -> PoolCore.open(fixture.context(0)));
        assertEquals(expected, ex.errorCode(), ex.getMessage());
        assertEquals(before, digest(), "a refused attach writes nothing");
        return ex;
    }

    private void writeLong(final int offset, final long value) throws IOException
    {
        write(offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value));
    }

    private void writeInt(final int offset, final int value) throws IOException
    {
        write(offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    private void write(final int offset, final ByteBuffer bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(fixture.regionFile, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }

    private String digest() throws IOException, NoSuchAlgorithmException
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(Files.readAllBytes(fixture.regionFile)));
    }
}
