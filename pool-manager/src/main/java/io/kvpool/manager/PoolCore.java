package io.kvpool.manager;

import io.kvpool.protocol.PoolStats;
import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.BlockIndex;
import io.kvpool.manager.internal.HeldIntents;
import io.kvpool.manager.internal.LeaseTable;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.SuperblockDescriptor;
import io.kvpool.transport.cxl.Region;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The pool manager's state machine, in process: namespaces, the slab allocator, the persistent index, two-phase
 * writes with leases, read pins and eviction, over one mapped region. Every operation takes a batch of up to
 * {@link BlockBatch#MAX_KEYS} keys and reports a {@link Status} per key; none blocks, none allocates per key.
 * <p>
 * Writes are two-phase: {@link #reserve} (block FREE -> WRITING under a lease) -> the writer stores the bytes at
 * the reported offset -> {@link #commit} (length and checksum recorded, SEALED, indexed) or {@link #abort}. Lapsed
 * reservations are reclaimed. Reads: {@link #lookup} reports locations and generations (and counts as an access
 * for eviction); {@link #pin} also keeps a block from reuse until {@link #unpin} or its lease lapses; a reader that
 * copies without a pin validates the generation after the copy (see {@code BlockTableDescriptor}).
 * {@link #longestPrefix} is a probe: it never renews or touches anything.
 * <p>
 * Not thread-safe: one thread owns a PoolCore (the service runs it on its single agent thread). Opened by
 * {@link PoolCoreLoader#open}, which maps, validates or formats the region and recovers the index.
 */
public final class PoolCore implements AutoCloseable
{
    private final PoolContext context;
    private final Region region;
    private final MemorySegment segment;
    private final RegionGeometry geometry;
    private final BlockIndex index;
    private final BlockAllocator allocator;
    private final LeaseTable leases;
    private final NamespaceRegistry namespaces;
    private final RecoveryReport recoveryReport;
    private final Consumer<PoolCore> onClose;
    private final LeaseKeeper leaseKeeper;
    private final WritePath writes;
    private final ReadPath reads;
    private final HeldIntents heldIntents;
    private boolean closed;

    PoolCore(
        final PoolContext context, final Region region, final RegionGeometry geometry, final BlockIndex index,
        final BlockAllocator allocator, final NamespaceRegistry namespaces, final RecoveryReport recoveryReport,
        final Consumer<PoolCore> onClose)
    {
        this.context = context;
        this.region = region;
        this.segment = region.segment();
        this.geometry = geometry;
        this.index = index;
        this.allocator = allocator;
        this.namespaces = namespaces;
        this.recoveryReport = recoveryReport;
        this.onClose = onClose;
        this.leases = new LeaseTable((int)geometry.blockTableEntries(), context.pinCapacity());
        this.leaseKeeper = new LeaseKeeper(segment, geometry, allocator, leases, context.nanoClock());
        this.heldIntents = new HeldIntents(segment, geometry);
        this.writes = new WritePath(context, segment, geometry, index, allocator, leases, leaseKeeper, heldIntents);
        this.reads = new ReadPath(context, segment, geometry, index, allocator, leases, leaseKeeper);
    }

    /**
     * Maps, validates (or formats) and recovers the region named by the context.
     *
     * @param context configuration; concluded here.
     * @return the open pool; the caller owns it and must close it.
     * @throws io.kvpool.protocol.PoolException for a region that cannot be mapped, is not formatted, or is of
     *                                          another format; for an index that cannot be opened; for a region
     *                                          already held by another manager.
     */
    public static PoolCore open(final PoolContext context)
    {
        return PoolCoreLoader.open(context);
    }

    /**
     * Creates a namespace, or returns the existing one when name, block size and quota all match.
     *
     * @param name           1 to 63 UTF-8 bytes.
     * @param blockSizeBytes a multiple of 64, at least the region's minimum block size and at most its slab size.
     * @param minSlabs       slabs guaranteed to the namespace; the guarantees of all namespaces may not exceed the
     *                       slab count.
     * @param maxSlabs       most slabs it may hold; at least {@code max(1, minSlabs)}.
     * @return the namespace.
     * @throws io.kvpool.protocol.PoolException {@code NAMESPACE_CONFLICT}, {@code NAMESPACE_INVALID},
     *                                          {@code NAMESPACE_TABLE_FULL} or {@code QUOTA_OVERCOMMITTED}.
     */
    public NamespaceInfo createNamespace(
        final String name, final long blockSizeBytes, final int minSlabs, final int maxSlabs)
    {
        ensureOpen();
        return namespaces.create(name, blockSizeBytes, minSlabs, maxSlabs, null);
    }

    /**
     * Creates a namespace protected by a token, or returns the existing one when name, layout and token match.
     *
     * @param tokenHash SHA-256 of the token (32 bytes), or {@code null} for an open namespace.
     * @return the namespace.
     * @throws io.kvpool.protocol.PoolException as {@link #createNamespace(String, long, int, int)}; also
     *                                          {@code NAMESPACE_CONFLICT} when it exists with another token.
     */
    public NamespaceInfo createNamespace(
        final String name, final long blockSizeBytes, final int minSlabs, final int maxSlabs, final byte[] tokenHash)
    {
        ensureOpen();
        return namespaces.create(name, blockSizeBytes, minSlabs, maxSlabs, tokenHash);
    }

    /**
     * Checks a token against the hash stored for a namespace, in constant time.
     *
     * @param namespaceId namespace.
     * @param tokenHash   SHA-256 of the presented token.
     * @return whether it matches, or the namespace has no token.
     */
    public boolean tokenMatches(final int namespaceId, final byte[] tokenHash)
    {
        return namespaces.tokenMatches(namespaceId, tokenHash);
    }

    /**
     * @param namespaceId a namespace.
     * @return the SHA-256 of its token (the key its clients' HELLO credentials are made with), or {@code null} for a
     *         namespace without a token.
     */
    public byte[] namespaceTokenHash(final int namespaceId)
    {
        return namespaces.tokenHash(namespaceId);
    }

    /**
     * @param name namespace name.
     * @return the namespace.
     * @throws io.kvpool.protocol.PoolException {@code NAMESPACE_UNKNOWN}.
     */
    public NamespaceInfo namespace(final String name)
    {
        return namespaces.info(namespaces.byName(name));
    }

    /**
     * @return every namespace, by id.
     */
    public List<NamespaceInfo> namespaces()
    {
        return namespaces.all();
    }

    /**
     * @return a view of the index for one data agent's thread ({@link BlockIndex#view()}): it reads keys while this
     *         core's thread changes them.
     */
    BlockIndex indexView()
    {
        return index.view();
    }

    /**
     * Finds keys and reports where their sealed blocks are: block index, generation, offset, payload length and
     * checksum. Each hit counts as an access for eviction.
     *
     * @param namespaceId namespace of the keys.
     * @param batch       keys in; per key {@link Status#OK} with the location, or {@link Status#NOT_FOUND}.
     * @return number of keys found.
     */
    public int lookup(final int namespaceId, final BlockBatch batch)
    {
        return reads.lookup(begin(namespaceId), batch);
    }

    /**
     * Counts a read that a data agent served by key (DATA_READ_KEYS) as {@link #lookup} counts its keys: a hit
     * touches its block for eviction, unless the block has changed since it was read (no longer sealed with
     * {@code generation}); a miss counts as one. A namespace deleted since, or a closed pool, is ignored.
     *
     * @param block the block read, or -1 for a miss.
     */
    public void noteKeyedRead(final int namespaceId, final long block, final long generation)
    {
        final NamespaceState[] byId = namespaces.byId();
        final NamespaceState namespace = namespaceId > 0 && namespaceId < byId.length ? byId[namespaceId] : null;
        if (!closed && namespace != null)
        {
            reads.noteKeyedRead(namespace, block, generation);
        }
    }

    /**
     * Reports per key whether it is present (sealed). A probe, like {@link #longestPrefix}: it touches, renews and
     * counts nothing.
     *
     * @param namespaceId namespace of the keys.
     * @param batch       keys in; per key {@link Status#OK} or {@link Status#NOT_FOUND}.
     * @return number of keys present.
     */
    public int contains(final int namespaceId, final BlockBatch batch)
    {
        return reads.contains(begin(namespaceId), batch);
    }

    /**
     * Counts the leading keys present (HiCache's {@code batch_exists}): the first missing key ends the count. A
     * probe: it touches, renews and counts nothing, so a pool kept alive by probes still evicts.
     *
     * @param namespaceId namespace of the keys.
     * @param batch       chained keys, in order; per key status {@link Status#OK} up to the first
     *                    {@link Status#NOT_FOUND}, which ends the scan.
     * @return number of leading keys present.
     */
    public int longestPrefix(final int namespaceId, final BlockBatch batch)
    {
        return reads.longestPrefix(begin(namespaceId), batch);
    }

    /**
     * First phase of a put: reserves a block per key under a lease. The writer then stores the payload at the
     * reported offset (at most the reported length: the block size) and commits or aborts.
     *
     * @param namespaceId namespace of the keys.
     * @param batch       keys in; per key {@link Status#OK} with block index, generation, offset and length, or
     *                    {@link Status#ALREADY_EXISTS} (sealed: skip the write), {@link Status#WRITE_IN_PROGRESS}
     *                    (another writer holds it) or {@link Status#INSUFFICIENT_CAPACITY} (nothing evictable).
     * @return number of blocks reserved.
     */
    public int reserve(final int namespaceId, final BlockBatch batch)
    {
        return writes.reserve(begin(namespaceId), batch, 0);
    }

    /**
     * {@link #reserve} for a writer that stores by one-sided RDMA, which the manager cannot stop: the manager holds
     * each reserved block's writer intent until the writer commits or aborts it, or until {@link #releaseWriter}
     * (its session closed, its queue pair torn down), so a block whose reservation lapses meanwhile is quarantined,
     * not reused (region-format.md §5).
     *
     * @param writer the writer's id (its session id), not 0.
     */
    public int reserve(final int namespaceId, final BlockBatch batch, final long writer)
    {
        if (writer == 0)
        {
            throw new IllegalArgumentException("writer=0 is not a writer id");
        }
        return writes.reserve(begin(namespaceId), batch, writer);
    }

    /**
     * Takes back every writer intent held for a writer that can store no more (its session closed after its queue
     * pair was torn down); quarantined blocks it held return to use at the next {@link #reapExpired}.
     *
     * @param writer the writer's id.
     * @return intents taken back.
     */
    public int releaseWriter(final long writer)
    {
        // Sessions also close while the service shuts down, possibly after the pool: nothing to give back then.
        return closed ? 0 : heldIntents.withdrawAll(writer);
    }

    /**
     * Reserves blocks under no key, for a writer that copies a put's bytes before it has asked for anything (a
     * grant ahead): each is written as a reservation is, renewed and aborted as one, and lapses as one; only
     * {@link #commitKeyed} seals it.
     *
     * @param batch  one entry per block wanted (keys ignored); per entry {@link Status#OK} with block index,
     *               generation, offset and length, or {@link Status#INSUFFICIENT_CAPACITY}.
     * @param writer as {@link #reserve(int, BlockBatch, long)}; 0 for writers that announce their own stores.
     * @return number of blocks granted.
     */
    public int grant(final int namespaceId, final BlockBatch batch, final long writer)
    {
        return writes.grant(begin(namespaceId), batch, writer);
    }

    /**
     * Seals granted blocks, each under the key its entry names (and the length and CRC32C it gives).
     *
     * @param batch per entry a key, the block index and generation from {@link #grant}, the length and checksum;
     *              per entry {@link Status#OK}, {@link Status#ALREADY_EXISTS} or {@link Status#WRITE_IN_PROGRESS}
     *              (the key is there: the block is freed), {@link Status#LEASE_EXPIRED},
     *              {@link Status#UNKNOWN_RESERVATION} (not a grant of this namespace with that generation) or
     *              {@link Status#INVALID_LENGTH} (the grant stays open).
     * @return number of blocks sealed.
     */
    public int commitKeyed(final int namespaceId, final BlockBatch batch)
    {
        return writes.commitKeyed(begin(namespaceId), batch);
    }

    /**
     * Second phase of a put: seals reserved blocks with the payload length and CRC32C the writer gives.
     *
     * @param namespaceId namespace of the reservations.
     * @param batch       per entry the block index and generation from reserve, and the length and checksum;
     *                    per entry {@link Status#OK}, {@link Status#LEASE_EXPIRED}, {@link Status#UNKNOWN_RESERVATION}
     *                    (a granted block among them: those are sealed only with a key, {@link #commitKeyed})
     *                    or {@link Status#INVALID_LENGTH} (the reservation stays open).
     * @return number of blocks sealed.
     */
    public int commit(final int namespaceId, final BlockBatch batch)
    {
        return writes.commit(begin(namespaceId), batch);
    }

    /**
     * Abandons reservations: their blocks return to the free list and their keys to absent.
     *
     * @param namespaceId namespace of the reservations.
     * @param batch       block index and generation per entry; status {@link Status#OK},
     *                    {@link Status#LEASE_EXPIRED} or {@link Status#UNKNOWN_RESERVATION}.
     * @return number aborted.
     */
    public int abort(final int namespaceId, final BlockBatch batch)
    {
        return writes.abort(begin(namespaceId), batch);
    }

    /**
     * Extends reservation leases by the configured lease from now.
     *
     * @param namespaceId namespace of the reservations.
     * @param batch       block index and generation per entry; status {@link Status#OK},
     *                    {@link Status#LEASE_EXPIRED} or {@link Status#UNKNOWN_RESERVATION}.
     * @return number renewed.
     */
    public int renewReservations(final int namespaceId, final BlockBatch batch)
    {
        return writes.renewReservations(begin(namespaceId), batch);
    }

    /**
     * Looks keys up and pins their blocks: a pinned block is neither evicted nor reused until unpinned or its lease
     * lapses. Counts as an access.
     *
     * @param namespaceId namespace of the keys.
     * @param batch       keys in; per key {@link Status#OK} with location and pin id, {@link Status#NOT_FOUND} or
     *                    {@link Status#PIN_CAPACITY_EXHAUSTED}.
     * @return number pinned.
     */
    public int pin(final int namespaceId, final BlockBatch batch)
    {
        return reads.pin(begin(namespaceId), batch);
    }

    /**
     * Releases pins.
     *
     * @param namespaceId namespace of the pins.
     * @param batch       pin id per entry; status {@link Status#OK}, {@link Status#LEASE_EXPIRED} or
     *                    {@link Status#UNKNOWN_PIN}.
     * @return number released.
     */
    public int unpin(final int namespaceId, final BlockBatch batch)
    {
        return reads.unpin(begin(namespaceId), batch);
    }

    /**
     * Extends pin leases by the configured pin lease from now.
     *
     * @param namespaceId namespace of the pins.
     * @param batch       pin id per entry; status {@link Status#OK}, {@link Status#LEASE_EXPIRED} or
     *                    {@link Status#UNKNOWN_PIN}.
     * @return number renewed.
     */
    public int renewPins(final int namespaceId, final BlockBatch batch)
    {
        return reads.renewPins(begin(namespaceId), batch);
    }

    /**
     * Removes keys and frees their blocks.
     *
     * @param namespaceId namespace of the keys.
     * @param batch       keys in; per key {@link Status#OK}, {@link Status#NOT_FOUND}, {@link Status#PINNED} or
     *                    {@link Status#WRITE_IN_PROGRESS}.
     * @return number removed.
     */
    public int remove(final int namespaceId, final BlockBatch batch)
    {
        final NamespaceState namespace = begin(namespaceId);
        final byte[] keys = batch.keyArray();
        int removed = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int keyOffset = i * BlockBatch.KEY_BYTES;
            final long indexed = index.get(namespace.id(), keys, keyOffset);
            final long generation = index.lastGeneration();
            if (indexed < 0)
            {
                batch.status(i, Status.NOT_FOUND);
                continue;
            }
            final long entry = geometry.blockEntryOffset(indexed);
            final long stamp = BlockTableDescriptor.stampAcquire(segment, entry);
            if (stamp == BlockTableDescriptor.stamp(generation, BlockTableDescriptor.WRITING))
            {
                batch.status(i, Status.WRITE_IN_PROGRESS);
            }
            else if (stamp != BlockTableDescriptor.stamp(generation, BlockTableDescriptor.SEALED))
            {
                batch.status(i, Status.NOT_FOUND);
            }
            else if (BlockTableDescriptor.pinCount(segment, entry) != 0)
            {
                batch.status(i, Status.PINNED);
            }
            else
            {
                allocator.discard((int)indexed);
                batch.status(i, Status.OK);
                removed++;
            }
        }
        return removed;
    }

    /**
     * Reclaims every reservation and pin whose lease has lapsed. Each operation does this first; a service calls it
     * from its duty cycle so that leases lapse without traffic.
     *
     * @return number of leases reclaimed.
     */
    public int reapExpired()
    {
        ensureOpen();
        return leaseKeeper.reapExpired() + allocator.releaseQuarantined();
    }

    /**
     * Publishes the logical access clock in the superblock, so that clients recording their own hits in the block
     * table (which they do without asking the manager) write ticks comparable with the manager's. Called from the
     * service's housekeeping; a plain store, read by clients as a hint.
     */
    public void publishAccessTick()
    {
        ensureOpen();
        SuperblockDescriptor.accessTick(segment, allocator.tick());
    }

    /**
     * @return a snapshot of the pool's figures (allocates; control plane).
     */
    public PoolStats stats()
    {
        ensureOpen();
        final List<PoolStats.Namespace> perNamespace = new ArrayList<>();
        for (final NamespaceInfo info : namespaces.all())
        {
            final NamespaceState state = namespaces.state(info.id());
            perNamespace.add(new PoolStats.Namespace(info, state.slabCount(), state.capacityBlocks(),
                allocator.freeBlocks(state), state.writingBlocks(), state.sealedBlocks(), state.hits(),
                state.misses(), state.evictions(), state.leaseExpiries(), state.capacityRejections(),
                state.slabsAcquired(), state.slabsSurrendered(), allocator.quarantinedBlocks(state)));
        }
        return new PoolStats(geometry.regionLengthBytes(), geometry.slabSizeBytes(), geometry.slabCount(),
            allocator.freeSlabCount(), leases.openReservations(), leases.activePinCount(), index.size(),
            allocator.tick(), List.copyOf(perNamespace));
    }

    /**
     * @return the mapped region (for copying block bytes in process).
     */
    public Region region()
    {
        return region;
    }

    /**
     * @return the region's layout.
     */
    public RegionGeometry geometry()
    {
        return geometry;
    }

    /**
     * @return the region's identity.
     */
    public UUID regionUuid()
    {
        return SuperblockDescriptor.uuid(segment);
    }

    /**
     * @return what the attach found and repaired.
     */
    public RecoveryReport recoveryReport()
    {
        return recoveryReport;
    }

    /**
     * Flushes, marks the region clean and unmaps it. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            onClose.accept(this);
        }
    }

    long accessTick()
    {
        return allocator.tick();
    }

    private NamespaceState begin(final int namespaceId)
    {
        ensureOpen();
        final NamespaceState namespace = namespaces.state(namespaceId);
        reapExpired();
        return namespace;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("the pool is closed");
        }
    }
}
