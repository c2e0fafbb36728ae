package io.kvpool.transport.cxl;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.transport.cxl.internal.DaxSysfs;
import io.kvpool.transport.cxl.internal.Mounts;
import io.kvpool.transport.cxl.internal.Posix;
import io.kvpool.transport.cxl.internal.ViewUsers;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A large byte-addressable span mapped MAP_SHARED into this process: a devdax device, a tmpfs or hugetlbfs file, or
 * anonymous memory. Bytes move by plain load/store through {@link #segment()} or the bounds-checked bulk copies.
 * <p>
 * Thread-safe: the mapping is immutable; concurrent loads and stores to disjoint ranges are safe, and ordering
 * between processes is the caller's (see {@link #releaseFence()}, {@link #acquireFence()} and
 * {@code docs/spec/coherence.md}). {@link #close()} unmaps; the segment is owned by a shared arena that closing
 * invalidates, so no access after close can touch unmapped memory.
 */
public final class Region implements AutoCloseable
{
    private final RegionSource source;
    private final RegionKind kind;
    private final String path;
    private final long lengthBytes;
    private final long pageSizeBytes;
    private final long address;
    private final Arena arena;
    private final MemorySegment segment;
    /** The same mapping, in no arena: read only between {@link #enterView} and {@link #exitView}. */
    private final MemorySegment view;
    private final ViewUsers viewUsers = new ViewUsers();
    private final boolean created;
    private long prefaultNanos = -1;
    private String prefaultMethod = "none";

    private Region(
        final RegionSource source, final RegionKind kind, final String path, final long lengthBytes,
        final long pageSizeBytes, final long address, final boolean created)
    {
        this.source = source;
        this.kind = kind;
        this.path = path;
        this.lengthBytes = lengthBytes;
        this.pageSizeBytes = pageSizeBytes;
        this.address = address;
        this.created = created;
        this.arena = Arena.ofShared();
        this.segment = MemorySegment.ofAddress(address).reinterpret(lengthBytes, arena, null);
        this.view = MemorySegment.ofAddress(address).reinterpret(lengthBytes);
    }

    /**
     * Maps a region.
     *
     * @param source where the memory comes from.
     * @return the mapped region; the caller owns it and must close it.
     * @throws PoolException {@link ErrorCode#REGION_MAP_FAILED} naming the path, the call that failed and the
     *                       kernel's reason.
     */
    public static Region map(final RegionSource source)
    {
        return switch (source)
        {
            case RegionSource.DevDax dax -> mapDevDax(dax);
            case RegionSource.SharedFile file -> mapFile(file);
            case RegionSource.Anonymous anonymous -> mapAnonymous(anonymous);
        };
    }

    /**
     * Checks, without mapping anything, that a devdax source names a devdax device present on this host (files and
     * anonymous memory need no check): so that a manager says "no devdax device" before it creates anything for
     * one, such as its index's lock file.
     *
     * @throws PoolException {@link ErrorCode#REGION_MAP_FAILED} as {@link #map} would, naming what it looked for.
     */
    public static void requirePresent(final RegionSource source)
    {
        if (source instanceof RegionSource.DevDax dax)
        {
            readDevice(dax);
        }
    }

    private static DaxSysfs.DaxDevice readDevice(final RegionSource.DevDax source)
    {
        try
        {
            return DaxSysfs.read(source.device(), source.sysfsRoot());
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, ex.getMessage(), ex);
        }
    }

    private static Region mapDevDax(final RegionSource.DevDax source)
    {
        final DaxSysfs.DaxDevice device = readDevice(source);
        // A devdax mapping must be a multiple of the device alignment, from offset 0; the kernel answers EINVAL
        // ("unaligned vma") otherwise.
        final long length = device.sizeBytes() / device.alignBytes() * device.alignBytes();
        final String path = source.device().toString();
        final int fd = openOrThrow(path, Posix.O_RDWR | Posix.O_CLOEXEC, 0);
        try
        {
            final long address = mmapOrThrow(path, length, fd);
            return new Region(source, RegionKind.DEVDAX, path, length, device.alignBytes(), address, false);
        }
        finally
        {
            Posix.close(fd);
        }
    }

    private static Region mapFile(final RegionSource.SharedFile source)
    {
        final Path file = source.path().toAbsolutePath();
        final String path = file.toString();
        final Mounts.Mount mount = Mounts.of(file);
        final RegionKind kind = switch (mount.type())
        {
            case "tmpfs" -> RegionKind.TMPFS_FILE;
            case "hugetlbfs" -> RegionKind.HUGETLBFS_FILE;
            default -> RegionKind.OTHER_FILE;
        };
        final long pageSize = mount.pageSizeBytes();
        long existing;
        try
        {
            existing = Files.exists(file) ? Files.size(file) : 0;
        }
        catch (final IOException ex)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "cannot read the size of " + path + ": " + ex, ex);
        }
        final boolean create = existing == 0;
        if (create && source.sizeBytes() == 0)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "region file " + path +
                " does not exist (or is empty) and no size was given to create it with");
        }
        final long wanted = create || source.resizeExisting() ?
            roundUp(source.sizeBytes() == 0 ? existing : source.sizeBytes(), pageSize) : existing;
        if (wanted % pageSize != 0)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "region file " + path + " has length " + wanted +
                ", not a multiple of its " + mount.type() + " page size " + pageSize);
        }
        final Path parent = file.getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "directory " + parent + " of region file " + path +
                " does not exist");
        }
        final int fd = openOrThrow(path, Posix.O_RDWR | Posix.O_CREAT | Posix.O_CLOEXEC, 0600);
        try
        {
            if (wanted != existing)
            {
                final Posix.Result truncate = Posix.ftruncate(fd, wanted);
                if (truncate.value() != 0)
                {
                    throw new PoolException(ErrorCode.REGION_MAP_FAILED, "ftruncate(" + path + ", " + wanted +
                        ") failed: " + truncate.reason() + (kind == RegionKind.HUGETLBFS_FILE ?
                        "; are enough huge pages reserved (/proc/sys/vm/nr_hugepages)?" : ""));
                }
            }
            final long address = mmapOrThrow(path, wanted, fd);
            return new Region(source, kind, path, wanted, pageSize, address, create);
        }
        finally
        {
            Posix.close(fd);
        }
    }

    private static Region mapAnonymous(final RegionSource.Anonymous source)
    {
        final long length = roundUp(source.sizeBytes(), 4096);
        final Posix.Result result = Posix.mmap(length, Posix.PROT_READ | Posix.PROT_WRITE,
            Posix.MAP_SHARED | Posix.MAP_ANONYMOUS, -1, 0);
        if (result.value() == Posix.MAP_FAILED)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "anonymous mmap of " + length + " bytes failed: " +
                result.reason());
        }
        return new Region(source, RegionKind.ANONYMOUS, "anonymous", length, 4096, result.value(), true);
    }

    private static int openOrThrow(final String path, final int flags, final int mode)
    {
        final Posix.Result result = Posix.open(path, flags, mode);
        if (result.value() < 0)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "open(" + path + ") failed: " + result.reason() +
                (result.errno() == 13 ? "; run as a user with read/write access to it" : ""));
        }
        return (int)result.value();
    }

    private static long mmapOrThrow(final String path, final long length, final int fd)
    {
        final Posix.Result result =
            Posix.mmap(length, Posix.PROT_READ | Posix.PROT_WRITE, Posix.MAP_SHARED, fd, 0);
        if (result.value() == Posix.MAP_FAILED)
        {
            throw new PoolException(ErrorCode.REGION_MAP_FAILED, "mmap(" + path + ", length=" + length +
                ", MAP_SHARED) failed: " + result.reason());
        }
        return result.value();
    }

    private static long roundUp(final long value, final long multiple)
    {
        return (value + multiple - 1) / multiple * multiple;
    }

    /**
     * Faults every page in for writing, so that first-touch faults never land on the data path: first
     * {@code madvise(MADV_POPULATE_WRITE)} (Linux 5.14+), else an atomic add of zero to one word per page, which
     * leaves the contents unchanged even while other processes write.
     *
     * @return nanoseconds it took.
     */
    public long prefault()
    {
        final long start = System.nanoTime();
        final Posix.Result advice = Posix.madvise(address, lengthBytes, Posix.MADV_POPULATE_WRITE);
        if (advice.value() == 0)
        {
            prefaultMethod = "madvise(MADV_POPULATE_WRITE)";
        }
        else
        {
            final VarHandle word = ValueLayout.JAVA_LONG.varHandle();
            for (long offset = 0; offset < lengthBytes; offset += pageSizeBytes)
            {
                word.getAndAdd(segment, offset, 0L);
            }
            prefaultMethod = "page touch (madvise: " + advice.reason() + ")";
        }
        prefaultNanos = System.nanoTime() - start;
        return prefaultNanos;
    }

    /**
     * @return the mapping; valid until {@link #close()}.
     */
    public MemorySegment segment()
    {
        return segment;
    }

    /**
     * The mapping as a segment of no arena, for reads whose every call would otherwise acquire the segment's arena
     * (the JDK's CRC32C over native memory does: an atomic operation per call, which the threads of a shared arena
     * contend on). Read through it only between {@link #enterView} and {@link #exitView}: {@link #close()} waits
     * for the threads inside before it unmaps, where an access after the unmap would crash the process rather than
     * throw.
     *
     * @return the same bytes as {@link #segment()}, at the same offsets.
     */
    public MemorySegment view()
    {
        return view;
    }

    /**
     * Lets the calling thread read through {@link #view()} until its {@link #exitView()}.
     *
     * @throws IllegalStateException when the region is closed or closing.
     */
    public void enterView()
    {
        viewUsers.enter();
    }

    /**
     * Ends the calling thread's reads through {@link #view()}, begun by its {@link #enterView()}.
     */
    public void exitView()
    {
        viewUsers.exit();
    }

    /**
     * @return length of the mapping in bytes.
     */
    public long lengthBytes()
    {
        return lengthBytes;
    }

    /**
     * @return virtual address of the first byte (for registration with devices such as a GPU).
     */
    public long address()
    {
        return address;
    }

    /**
     * @return page size of the backing memory: 4 KiB, the hugetlbfs page size, or the devdax alignment.
     */
    public long pageSizeBytes()
    {
        return pageSizeBytes;
    }

    /**
     * @return what backs the region.
     */
    public RegionKind kind()
    {
        return kind;
    }

    /**
     * @return the source it was mapped from.
     */
    public RegionSource source()
    {
        return source;
    }

    /**
     * @return device or file path, or "anonymous".
     */
    public String path()
    {
        return path;
    }

    /**
     * @return whether this mapping created the backing file (or is anonymous).
     */
    public boolean created()
    {
        return created;
    }

    /**
     * @return nanoseconds the last {@link #prefault()} took, or -1 if never prefaulted.
     */
    public long prefaultNanos()
    {
        return prefaultNanos;
    }

    /**
     * @return one line for logs: kind, path, size, page size and how it was prefaulted.
     */
    public String description()
    {
        return kind + " " + path + " " + (lengthBytes >> 20) + " MiB, page " + pageSizeBytes + " B" +
            (prefaultNanos >= 0 ? ", prefaulted by " + prefaultMethod + " in " + prefaultNanos / 1_000_000 + " ms" :
            "");
    }

    /**
     * Copies bytes into the region.
     *
     * @param regionOffset in bytes from the start of the region.
     * @param source       bytes to copy, all of them.
     * @throws IndexOutOfBoundsException when the range falls outside the region.
     */
    public void copyIn(final long regionOffset, final MemorySegment source)
    {
        MemorySegment.copy(source, 0, segment, regionOffset, source.byteSize());
    }

    /**
     * Copies bytes out of the region.
     *
     * @param regionOffset in bytes from the start of the region.
     * @param destination  filled entirely.
     * @throws IndexOutOfBoundsException when the range falls outside the region.
     */
    public void copyOut(final long regionOffset, final MemorySegment destination)
    {
        MemorySegment.copy(segment, regionOffset, destination, 0, destination.byteSize());
    }

    /**
     * Stores before this fence become visible before stores after it (publishing data, then a flag).
     */
    public static void releaseFence()
    {
        VarHandle.releaseFence();
    }

    /**
     * Loads after this fence are not satisfied before loads before it (reading a flag, then data).
     */
    public static void acquireFence()
    {
        VarHandle.acquireFence();
    }

    /**
     * Unmaps the region, once the threads reading through {@link #view()} have left it. Idempotent.
     */
    @Override
    public void close()
    {
        if (arena.scope().isAlive())
        {
            viewUsers.close();
            arena.close();
            final Posix.Result result = Posix.munmap(address, lengthBytes);
            if (result.value() != 0)
            {
                throw new IllegalStateException("munmap(" + path + ") failed: " + result.reason());
            }
        }
    }
}
