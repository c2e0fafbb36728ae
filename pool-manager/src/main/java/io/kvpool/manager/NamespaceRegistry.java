package io.kvpool.manager;

import io.kvpool.protocol.NamespaceInfo;
import io.kvpool.manager.internal.BlockAllocator;
import io.kvpool.manager.internal.NamespaceState;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.NamespaceTableDescriptor;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.RegionGeometry;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The namespaces of a region: loaded from its namespace table at attach, created (and persisted there) on demand.
 * Not thread-safe: owned by the manager's thread.
 */
final class NamespaceRegistry
{
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final NamespaceState[] byId;
    private final Map<String, Integer> idsByName = new HashMap<>();
    private BlockAllocator allocator;

    NamespaceRegistry(final MemorySegment region, final RegionGeometry geometry)
    {
        this.region = region;
        this.geometry = geometry;
        this.byId = new NamespaceState[geometry.maxNamespaces() + 1];
    }

    /**
     * Reads every active entry of the namespace table.
     */
    void load()
    {
        for (int id = 1; id <= geometry.maxNamespaces(); id++)
        {
            final long entry = geometry.namespaceEntryOffset(id);
            if (NamespaceTableDescriptor.state(region, entry) == NamespaceTableDescriptor.STATE_ACTIVE)
            {
                add(new NamespaceState(id, NamespaceTableDescriptor.name(region, entry),
                    NamespaceTableDescriptor.blockSizeBytes(region, entry), geometry.slabSizeBytes(),
                    NamespaceTableDescriptor.minSlabs(region, entry), NamespaceTableDescriptor.maxSlabs(region, entry)));
            }
        }
    }

    /**
     * @return namespaces by id (index 0 unused), as recovery needs them.
     */
    NamespaceState[] byId()
    {
        return byId;
    }

    void allocator(final BlockAllocator allocator)
    {
        this.allocator = allocator;
        for (final NamespaceState namespace : byId)
        {
            if (namespace != null)
            {
                allocator.register(namespace);
            }
        }
    }

    NamespaceInfo create(
        final String name, final long blockSizeBytes, final int minSlabs, final int maxSlabs, final byte[] tokenHash)
    {
        if (name == null || name.isEmpty() ||
            name.getBytes(StandardCharsets.UTF_8).length > NamespaceTableDescriptor.MAX_NAME_BYTES)
        {
            throw new PoolException(ErrorCode.NAMESPACE_INVALID, "name='" + name + "' must be 1 to " +
                NamespaceTableDescriptor.MAX_NAME_BYTES + " UTF-8 bytes");
        }
        final Integer existing = idsByName.get(name);
        if (existing != null)
        {
            final NamespaceState state = byId[existing];
            if (!tokenMatches(existing, tokenHash == null ? new byte[32] : tokenHash) ||
                (tokenHash == null && !isOpen(existing)))
            {
                throw new PoolException(ErrorCode.NAMESPACE_CONFLICT, "namespace '" + name + "' exists with " +
                    "another token: present its token, or use another name");
            }
            if (state.blockSizeBytes() != blockSizeBytes || state.minSlabs() != minSlabs ||
                state.maxSlabs() != maxSlabs)
            {
                throw new PoolException(ErrorCode.NAMESPACE_CONFLICT, "namespace '" + name + "' exists with " +
                    "blockSizeBytes=" + state.blockSizeBytes() + " minSlabs=" + state.minSlabs() + " maxSlabs=" +
                    state.maxSlabs() + "; asked for blockSizeBytes=" + blockSizeBytes + " minSlabs=" + minSlabs +
                    " maxSlabs=" + maxSlabs + ": use another name for another layout");
            }
            return info(existing);
        }
        if (blockSizeBytes < geometry.minBlockSizeBytes() || blockSizeBytes > geometry.slabSizeBytes() ||
            blockSizeBytes % RegionGeometry.BLOCK_ALIGNMENT_BYTES != 0)
        {
            throw new PoolException(ErrorCode.NAMESPACE_INVALID, "blockSizeBytes=" + blockSizeBytes +
                " must be a multiple of 64 between minBlockSizeBytes=" + geometry.minBlockSizeBytes() +
                " and slabSizeBytes=" + geometry.slabSizeBytes() + " (format the region with a smaller " +
                "--min-block-size for smaller blocks)");
        }
        if (minSlabs < 0 || maxSlabs < Math.max(1, minSlabs) || maxSlabs > geometry.slabCount())
        {
            throw new PoolException(ErrorCode.NAMESPACE_INVALID, "minSlabs=" + minSlabs + " maxSlabs=" + maxSlabs +
                " must satisfy 0 <= minSlabs <= maxSlabs, 1 <= maxSlabs <= slabCount=" + geometry.slabCount());
        }
        long guaranteed = minSlabs;
        for (final NamespaceState state : byId)
        {
            guaranteed += state == null ? 0 : state.minSlabs();
        }
        if (guaranteed > geometry.slabCount())
        {
            throw new PoolException(ErrorCode.QUOTA_OVERCOMMITTED, "minSlabs=" + minSlabs + " would guarantee " +
                guaranteed + " slabs in all, more than slabCount=" + geometry.slabCount() +
                ": lower the guarantees or use a larger region");
        }
        int id = 1;
        while (id <= geometry.maxNamespaces() && byId[id] != null)
        {
            id++;
        }
        if (id > geometry.maxNamespaces())
        {
            throw new PoolException(ErrorCode.NAMESPACE_TABLE_FULL, "all maxNamespaces=" +
                geometry.maxNamespaces() + " namespace entries are in use; format with a larger --max-namespaces");
        }
        NamespaceTableDescriptor.write(region, geometry.namespaceEntryOffset(id), id, name, blockSizeBytes, minSlabs,
            maxSlabs, tokenHash, System.currentTimeMillis());
        final NamespaceState state =
            new NamespaceState(id, name, blockSizeBytes, geometry.slabSizeBytes(), minSlabs, maxSlabs);
        add(state);
        allocator.register(state);
        return info(id);
    }

    /**
     * @return the namespace with this id.
     * @throws IllegalArgumentException when no namespace has the id (a caller's mistake).
     */
    NamespaceState state(final int id)
    {
        final NamespaceState state = id > 0 && id < byId.length ? byId[id] : null;
        if (state == null)
        {
            throw new IllegalArgumentException("namespaceId=" + id + " names no namespace; create it first");
        }
        return state;
    }

    int byName(final String name)
    {
        final Integer id = idsByName.get(name);
        if (id == null)
        {
            throw new PoolException(ErrorCode.NAMESPACE_UNKNOWN, "no namespace named '" + name + "'; known: " +
                idsByName.keySet());
        }
        return id;
    }

    NamespaceInfo info(final int id)
    {
        final NamespaceState state = state(id);
        return new NamespaceInfo(id, state.name(), state.blockSizeBytes(), state.blocksPerSlab(), state.minSlabs(),
            state.maxSlabs());
    }

    List<NamespaceInfo> all()
    {
        final List<NamespaceInfo> all = new ArrayList<>();
        for (int id = 1; id < byId.length; id++)
        {
            if (byId[id] != null)
            {
                all.add(info(id));
            }
        }
        return all;
    }

    /**
     * @return whether the token hash matches the namespace's, compared in constant time; a namespace without a
     *         token matches any.
     */
    byte[] tokenHash(final int id)
    {
        state(id);
        final byte[] stored = NamespaceTableDescriptor.tokenHash(region, geometry.namespaceEntryOffset(id));
        return isZero(stored) ? null : stored;
    }

    boolean tokenMatches(final int id, final byte[] tokenHash)
    {
        state(id);
        final byte[] stored = NamespaceTableDescriptor.tokenHash(region, geometry.namespaceEntryOffset(id));
        return isZero(stored) || MessageDigest.isEqual(stored, tokenHash);
    }

    private boolean isOpen(final int id)
    {
        return isZero(NamespaceTableDescriptor.tokenHash(region, geometry.namespaceEntryOffset(id)));
    }

    private static boolean isZero(final byte[] bytes)
    {
        int bits = 0;
        for (final byte b : bytes)
        {
            bits |= b;
        }
        return bits == 0;
    }

    private void add(final NamespaceState state)
    {
        byId[state.id()] = state;
        idsByName.put(state.name(), state.id());
    }
}
