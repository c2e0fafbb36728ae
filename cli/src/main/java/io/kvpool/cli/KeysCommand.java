package io.kvpool.cli;

import io.kvpool.client.BlockKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kvpool keys}: the chained block keys of a token sequence, as every client computes them
 * ({@code BlockKeys.chain}; Python's {@code kvpool.chain_keys}), one hex key a line.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    header = "Prints the chained block keys of a token sequence, one hex key a line.",
    description = "Key i is SHA-256 of key i-1 (or the parent) followed by block i's token ids as 32-bit " +
        "little-endian integers; a trailing partial block gets no key. The same keys as the Java and Python " +
        "clients compute, for checking an engine's integration.")
final class KeysCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--block-tokens", paramLabel = "N", required = true, description = "Tokens per block.")
    private int blockTokens;

    @Option(names = "--parent", paramLabel = "HEX", description = "Key of the block before the first (64 hex digits).")
    private String parent;

    @Parameters(paramLabel = "TOKEN", arity = "0..*", description = "Token ids.")
    private List<Integer> tokens = List.of();

    @Override
    public Integer call()
    {
        final byte[] parentKey;
        try
        {
            parentKey = parent == null ? null : HexFormat.of().parseHex(parent);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--parent=" + parent + " is not hex: " + ex.getMessage(), ex);
        }
        final BlockKeys keys = BlockKeys.chain(tokens.stream().mapToInt(Integer::intValue).toArray(), blockTokens,
            parentKey);
        final PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < keys.size(); i++)
        {
            out.println(HexFormat.of().formatHex(keys.key(i)));
        }
        out.flush();
        return 0;
    }
}
