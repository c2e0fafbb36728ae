package io.kvpool.client;

import io.kvpool.protocol.BlockBatch;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An ordered list of up to {@link BlockBatch#MAX_KEYS} 32-byte block keys. Made from tokens by {@link #chain}, as
 * SGLang HiCache and vLLM prefix caching do ({@code key(i) = SHA-256(key(i-1) || token ids of block i)}, so a key
 * names a block together with everything before it), or from an engine's own 32-byte digests by {@link #of}.
 * Immutable once built; thread-safe.
 */
public final class BlockKeys
{
    /** Length of a key. */
    public static final int KEY_BYTES = BlockBatch.KEY_BYTES;

    private final byte[] keys;
    private final int count;

    private BlockKeys(final byte[] keys, final int count)
    {
        this.keys = keys;
        this.count = count;
    }

    /**
     * Chains keys over the full blocks of a token sequence; a trailing partial block gets no key (engines cache
     * only full blocks).
     *
     * @param tokens      token ids of the prompt.
     * @param blockTokens tokens per block (e.g. 16 for vLLM pages, 512 for Mooncake's trace).
     * @param parent      key of the block before {@code tokens[0]}, or {@code null} at the start of a sequence.
     * @return one key per full block, at most {@link BlockBatch#MAX_KEYS}.
     * @throws IllegalArgumentException when blockTokens is not positive, parent is not 32 bytes, or the tokens
     *                                  make more than 1024 blocks.
     */
    public static BlockKeys chain(final int[] tokens, final int blockTokens, final byte[] parent)
    {
        if (blockTokens <= 0)
        {
            throw new IllegalArgumentException("blockTokens=" + blockTokens + " must be positive");
        }
        if (parent != null && parent.length != KEY_BYTES)
        {
            throw new IllegalArgumentException("parent.length=" + parent.length + " must be " + KEY_BYTES);
        }
        final int blocks = tokens.length / blockTokens;
        checkCount(blocks);
        final byte[] keys = new byte[blocks * KEY_BYTES];
        final MessageDigest sha = sha256();
        final byte[] tokenBytes = new byte[blockTokens * 4];
        byte[] previous = parent;
        for (int block = 0; block < blocks; block++)
        {
            if (previous != null)
            {
                sha.update(previous);
            }
            for (int t = 0; t < blockTokens; t++)
            {
                final int token = tokens[block * blockTokens + t];
                tokenBytes[t * 4] = (byte)token;
                tokenBytes[t * 4 + 1] = (byte)(token >>> 8);
                tokenBytes[t * 4 + 2] = (byte)(token >>> 16);
                tokenBytes[t * 4 + 3] = (byte)(token >>> 24);
            }
            sha.update(tokenBytes);
            final byte[] digest = sha.digest();
            System.arraycopy(digest, 0, keys, block * KEY_BYTES, KEY_BYTES);
            previous = digest;
        }
        return new BlockKeys(keys, blocks);
    }

    /**
     * Wraps keys an engine made by its own scheme.
     *
     * @param keys 32-byte digests, in order.
     * @return the keys (copied).
     */
    public static BlockKeys of(final byte[]... keys)
    {
        checkCount(keys.length);
        final byte[] all = new byte[keys.length * KEY_BYTES];
        for (int i = 0; i < keys.length; i++)
        {
            if (keys[i] == null || keys[i].length != KEY_BYTES)
            {
                throw new IllegalArgumentException("keys[" + i + "] must be " + KEY_BYTES + " bytes, got " +
                    (keys[i] == null ? "null" : keys[i].length));
            }
            System.arraycopy(keys[i], 0, all, i * KEY_BYTES, KEY_BYTES);
        }
        return new BlockKeys(all, keys.length);
    }

    /**
     * @param packed keys back to back, a multiple of 32 bytes.
     * @return the keys (copied).
     */
    public static BlockKeys ofPacked(final byte[] packed)
    {
        if (packed.length % KEY_BYTES != 0)
        {
            throw new IllegalArgumentException("packed.length=" + packed.length + " is not a multiple of 32");
        }
        checkCount(packed.length / KEY_BYTES);
        return new BlockKeys(packed.clone(), packed.length / KEY_BYTES);
    }

    /**
     * @return number of keys.
     */
    public int size()
    {
        return count;
    }

    /**
     * @param index key index.
     * @return a copy of the key.
     */
    public byte[] key(final int index)
    {
        Objects.checkIndex(index, count);
        return Arrays.copyOfRange(keys, index * KEY_BYTES, (index + 1) * KEY_BYTES);
    }

    /**
     * @return the first {@code n} keys.
     */
    public BlockKeys prefix(final int n)
    {
        Objects.checkFromToIndex(0, n, count);
        return new BlockKeys(Arrays.copyOf(keys, n * KEY_BYTES), n);
    }

    /**
     * @return the keys from {@code from} on.
     */
    public BlockKeys suffix(final int from)
    {
        Objects.checkFromToIndex(from, count, count);
        return new BlockKeys(Arrays.copyOfRange(keys, from * KEY_BYTES, count * KEY_BYTES), count - from);
    }

    /**
     * Appends the keys to a batch.
     */
    void addTo(final BlockBatch batch)
    {
        for (int i = 0; i < count; i++)
        {
            batch.addKey(keys, i * KEY_BYTES);
        }
    }

    byte[] packed()
    {
        return keys;
    }

    @Override
    public String toString()
    {
        return count == 0 ? "BlockKeys[]" : "BlockKeys[" + count + ", first=" +
            HexFormat.of().formatHex(keys, 0, 8) + "...]";
    }

    private static void checkCount(final int count)
    {
        if (count > BlockBatch.MAX_KEYS)
        {
            throw new IllegalArgumentException("keys=" + count + " exceeds the most one call takes (" +
                BlockBatch.MAX_KEYS + "); split the batch");
        }
    }

    private static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

}
