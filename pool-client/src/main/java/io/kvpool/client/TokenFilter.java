package io.kvpool.client;

/**
 * What the pool holds of a token sequence: the leading full blocks it has (transfer them) and the rest (compute
 * them), so that an engine moves and computes only the difference.
 *
 * @param keys             the chained keys of every full block.
 * @param blockTokens      tokens per block.
 * @param heldBlocks       leading blocks the pool holds.
 * @param tokens           tokens in the sequence.
 */
public record TokenFilter(BlockKeys keys, int blockTokens, int heldBlocks, int tokens)
{
    /**
     * @return tokens whose KV the pool holds (leading full blocks).
     */
    public int heldTokens()
    {
        return heldBlocks * blockTokens;
    }

    /**
     * @return tokens the engine must compute: the rest of the sequence, including a trailing partial block.
     */
    public int tokensToCompute()
    {
        return tokens - heldTokens();
    }

    /**
     * @return keys of the blocks to transfer from the pool.
     */
    public BlockKeys heldKeys()
    {
        return keys.prefix(heldBlocks);
    }

    /**
     * @return keys of the full blocks the engine computes (and may put afterwards).
     */
    public BlockKeys keysToCompute()
    {
        return keys.suffix(heldBlocks);
    }
}
