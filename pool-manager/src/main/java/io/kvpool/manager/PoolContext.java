package io.kvpool.manager;

import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.transport.cxl.RegionSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Configuration of a {@link PoolCore}: where the region is, whether to format it, its geometry, where the index
 * lives, who may open its files, lease lengths and capacities. Set fields fluently, then {@link #conclude()}
 * validates them once. The manager service composes one ({@link ManagerContext#pool()}); its errors name the
 * configuration file's keys ({@code slab-size}, {@code lease}), which are the setters' names in words.
 * Not thread-safe; not to be changed after {@link PoolCore#open(PoolContext)}.
 */
public final class PoolContext
{
    /** Default reservation and pin lease: 10 seconds. */
    public static final long DEFAULT_LEASE_NS = TimeUnit.SECONDS.toNanos(10);
    /** Default number of concurrent read pins. */
    public static final int DEFAULT_PIN_CAPACITY = 65536;
    /** Size of a region file created when no size is given: 1 GiB. */
    public static final long DEFAULT_REGION_SIZE_BYTES = 1L << 30;
    /** The smallest region worth a pool: 8 MiB. */
    public static final long MIN_REGION_SIZE_BYTES = 8L << 20;

    private RegionSource regionSource;
    private Path regionPath;
    private boolean regionIsDevice;
    private long regionSizeBytes = DEFAULT_REGION_SIZE_BYTES;
    private Path indexFile;
    private String fileGroup;
    private boolean format;
    private boolean formatIfEmpty;
    private long slabSizeBytes = RegionGeometry.DEFAULT_SLAB_SIZE_BYTES;
    private long minBlockSizeBytes = RegionGeometry.DEFAULT_MIN_BLOCK_SIZE_BYTES;
    private int maxNamespaces = RegionGeometry.DEFAULT_MAX_NAMESPACES;
    private boolean geometryGiven;
    private long reservationLeaseNs = DEFAULT_LEASE_NS;
    private long pinLeaseNs = DEFAULT_LEASE_NS;
    private int pinCapacity = DEFAULT_PIN_CAPACITY;
    private boolean prefault = true;
    private LongSupplier nanoClock = System::nanoTime;
    private boolean concluded;

    /**
     * @param regionSource where the region's memory comes from (replaces a {@link #region(Path)} or
     *                     {@link #regionFile(Path)} given before).
     * @return this.
     */
    public PoolContext regionSource(final RegionSource regionSource)
    {
        this.regionSource = regionSource;
        this.regionPath = null;
        return this;
    }

    /**
     * @return where the region's memory comes from: as given, or as {@link #conclude()} built it from
     *         {@link #region(Path)} or {@link #regionFile(Path)}; {@code null} before either.
     */
    public RegionSource regionSource()
    {
        return regionSource;
    }

    /**
     * @param device the pool's devdax device ({@code /dev/daxX.Y}), mapped whole.
     * @return this.
     */
    public PoolContext region(final Path device)
    {
        return regionPath(device, true);
    }

    /**
     * @param file a file on tmpfs or hugetlbfs that emulates the pool; created (sized {@link #regionSizeBytes(long)})
     *             when absent.
     * @return this.
     */
    public PoolContext regionFile(final Path file)
    {
        return regionPath(file, false);
    }

    /**
     * @return the device or file given by {@link #region(Path)} or {@link #regionFile(Path)}, or {@code null}.
     */
    public Path regionPath()
    {
        return regionPath;
    }

    /**
     * @param regionSizeBytes size of a region file created at open (default {@link #DEFAULT_REGION_SIZE_BYTES});
     *                        an existing file or a device keeps its own.
     * @return this.
     */
    public PoolContext regionSizeBytes(final long regionSizeBytes)
    {
        this.regionSizeBytes = regionSizeBytes;
        return this;
    }

    /**
     * @param indexFile the Chronicle Map file of the index; default: beside a file region ({@code <file>.index}),
     *                  or {@code /var/lib/kvpool/<device>.index} for a devdax device.
     * @return this.
     */
    public PoolContext indexFile(final Path indexFile)
    {
        this.indexFile = indexFile;
        return this;
    }

    public Path indexFile()
    {
        return indexFile;
    }

    /**
     * @param fileGroup the engine group that may open the region, the index and the media driver's directory
     *                  besides the service's user ({@code 0660}/{@code 0770}); {@code null} (default) for the
     *                  service's user only ({@code 0600}/{@code 0700}).
     * @return this.
     */
    public PoolContext fileGroup(final String fileGroup)
    {
        this.fileGroup = fileGroup == null || fileGroup.isBlank() ? null : fileGroup;
        return this;
    }

    /**
     * @return the engine group of the manager's files, or {@code null} for owner-only.
     */
    public String fileGroup()
    {
        return fileGroup;
    }

    /**
     * @param format whether to format the region, destroying what it holds. Never implied: an existing region is
     *               only reformatted when this is set.
     * @return this.
     */
    public PoolContext format(final boolean format)
    {
        this.format = format;
        return this;
    }

    public boolean format()
    {
        return format;
    }

    /**
     * @param formatIfEmpty whether to format a region that was never formatted (its superblock all zero, as a fresh
     *                      device is), while attaching to one that holds a pool and refusing anything else.
     *                      Safe on every start, so deployment sets it.
     * @return this.
     */
    public PoolContext formatIfEmpty(final boolean formatIfEmpty)
    {
        this.formatIfEmpty = formatIfEmpty;
        return this;
    }

    public boolean formatIfEmpty()
    {
        return formatIfEmpty;
    }

    /**
     * @param slabSizeBytes slab size for formatting (and checked on attach when given): multiple of 2 MiB.
     * @return this.
     */
    public PoolContext slabSizeBytes(final long slabSizeBytes)
    {
        this.slabSizeBytes = slabSizeBytes;
        this.geometryGiven = true;
        return this;
    }

    public long slabSizeBytes()
    {
        return slabSizeBytes;
    }

    /**
     * @param minBlockSizeBytes smallest block size namespaces may use (formatting; checked on attach when given).
     * @return this.
     */
    public PoolContext minBlockSizeBytes(final long minBlockSizeBytes)
    {
        this.minBlockSizeBytes = minBlockSizeBytes;
        this.geometryGiven = true;
        return this;
    }

    public long minBlockSizeBytes()
    {
        return minBlockSizeBytes;
    }

    /**
     * @param maxNamespaces namespace table entries (formatting; checked on attach when given).
     * @return this.
     */
    public PoolContext maxNamespaces(final int maxNamespaces)
    {
        this.maxNamespaces = maxNamespaces;
        this.geometryGiven = true;
        return this;
    }

    public int maxNamespaces()
    {
        return maxNamespaces;
    }

    /**
     * @return whether geometry values were set explicitly (and so must match an existing region).
     */
    public boolean geometryGiven()
    {
        return geometryGiven;
    }

    /**
     * @param reservationLeaseNs how long a reservation lives without renewal.
     * @return this.
     */
    public PoolContext reservationLeaseNs(final long reservationLeaseNs)
    {
        this.reservationLeaseNs = reservationLeaseNs;
        return this;
    }

    public long reservationLeaseNs()
    {
        return reservationLeaseNs;
    }

    /**
     * @param pinLeaseNs how long a read pin lives without renewal.
     * @return this.
     */
    public PoolContext pinLeaseNs(final long pinLeaseNs)
    {
        this.pinLeaseNs = pinLeaseNs;
        return this;
    }

    public long pinLeaseNs()
    {
        return pinLeaseNs;
    }

    /**
     * @param pinCapacity most read pins held at once.
     * @return this.
     */
    public PoolContext pinCapacity(final int pinCapacity)
    {
        this.pinCapacity = pinCapacity;
        return this;
    }

    public int pinCapacity()
    {
        return pinCapacity;
    }

    /**
     * @param prefault whether to fault the whole region in at open (default true, as {@link ManagerContext}'s: the
     *                 first writes then cost no page faults).
     * @return this.
     */
    public PoolContext prefault(final boolean prefault)
    {
        this.prefault = prefault;
        return this;
    }

    /**
     * @return whether the region is faulted in at open.
     */
    public boolean prefault()
    {
        return prefault;
    }

    /**
     * @param nanoClock source of nanosecond time for leases (tests pass a manual clock).
     * @return this.
     */
    public PoolContext nanoClock(final LongSupplier nanoClock)
    {
        this.nanoClock = nanoClock;
        return this;
    }

    public LongSupplier nanoClock()
    {
        return nanoClock;
    }

    /**
     * Validates every value once and fills defaults.
     *
     * @return this.
     * @throws PoolException {@link ErrorCode#CONFIG_INVALID} naming the value and its allowed range.
     */
    public PoolContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (regionSource == null && regionPath == null)
        {
            throw invalid("no region is set: give a devdax device, a region file or anonymous memory");
        }
        if (regionSource == null)
        {
            final Path name = regionPath.getFileName();
            if (regionIsDevice && (name == null || !name.toString().matches("dax\\d+\\.\\d+")))
            {
                throw invalid("region=" + regionPath + " is not a devdax device (/dev/daxX.Y); use region-file for " +
                    "a file");
            }
            if (regionSizeBytes < MIN_REGION_SIZE_BYTES)
            {
                throw invalid("size=" + regionSizeBytes + " is below the smallest useful region (8 MiB)");
            }
            regionSource = RegionSource.forPath(regionPath, regionSizeBytes, format);
        }
        if (geometryGiven && slabSizeBytes % RegionGeometry.SLAB_ALIGNMENT_BYTES != 0)
        {
            throw invalid("slab-size=" + slabSizeBytes + " must be a multiple of 2m");
        }
        if (reservationLeaseNs <= 0 || pinLeaseNs <= 0)
        {
            throw invalid("lease=" + reservationLeaseNs + "ns pin-lease=" + pinLeaseNs + "ns must be positive");
        }
        if (pinCapacity < 1)
        {
            throw invalid("pinCapacity=" + pinCapacity + " must be at least 1");
        }
        if (nanoClock == null)
        {
            throw invalid("nanoClock is null");
        }
        if (indexFile == null)
        {
            indexFile = switch (regionSource)
            {
                case RegionSource.SharedFile file -> Path.of(file.path().toAbsolutePath() + ".index");
                case RegionSource.DevDax dax -> Path.of("/var/lib/kvpool", dax.device().getFileName() + ".index");
                case RegionSource.Anonymous ignored -> null;
            };
            if (indexFile == null)
            {
                throw invalid("an anonymous region needs an explicit indexFile");
            }
        }
        concluded = true;
        return this;
    }

    private PoolContext regionPath(final Path path, final boolean isDevice)
    {
        this.regionPath = path;
        this.regionIsDevice = isDevice;
        this.regionSource = null;
        return this;
    }

    private static PoolException invalid(final String message)
    {
        return new PoolException(ErrorCode.CONFIG_INVALID, message);
    }
}
