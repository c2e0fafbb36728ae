package io.kvpool.protocol.transport;

import java.util.function.IntConsumer;

/**
 * How many Aeron data lanes a host affords when none is configured ({@code data-lanes: auto}, the default of the
 * manager and of the client): one per {@link #CORES_PER_LANE} cores, 1 to {@link #MAX_AUTO}. A lane costs a polling
 * thread on each side (the manager's lane agent with its driver, the client's driver) and carries a few GB/s. On two
 * cores a second lane's threads only take the core from the first's; on a 16-core host four lanes moved 32 x 256 KiB
 * network puts 3-4x faster than one (bench/RESULTS-shapes.txt, sessions 17 and 22).
 */
public final class DataLanes
{
    /** Cores of the host per lane chosen by {@link #forCores}. */
    public static final int CORES_PER_LANE = 4;
    /** The most lanes {@link #forCores} chooses. */
    public static final int MAX_AUTO = 4;
    /** What {@link #parse} answers for {@code auto} (no count it reads is negative). */
    public static final int AUTO = -1;

    private DataLanes()
    {
    }

    /**
     * @param cores the host's cores (as {@link Runtime#availableProcessors()} counts them).
     * @return the lanes a host of that many cores affords: {@code cores / 4}, 1 to 4.
     */
    public static int forCores(final int cores)
    {
        return Math.clamp(cores / CORES_PER_LANE, 1, MAX_AUTO);
    }

    /**
     * Reads a configured lane count (the manager's {@code data-lanes}, the client's): {@code auto} or a number, whose
     * range the setter checks.
     *
     * @return the number, or {@link #AUTO}.
     * @throws IllegalArgumentException when the text is neither.
     */
    public static int parse(final String text)
    {
        if (text.equals("auto"))
        {
            return AUTO;
        }
        if (!text.matches("\\d{1,9}"))
        {
            throw new IllegalArgumentException("expected a number of lanes or auto");
        }
        return Integer.parseInt(text);
    }

    /**
     * Sets a configured lane count read by {@link #parse}.
     *
     * @param text  {@code auto} or a number.
     * @param count sets a number (and checks its range).
     * @param auto  sets auto.
     * @throws IllegalArgumentException when the text is neither, or the number is out of range.
     */
    public static void set(final String text, final IntConsumer count, final Runnable auto)
    {
        final int lanes = parse(text);
        if (lanes == AUTO)
        {
            auto.run();
        }
        else
        {
            count.accept(lanes);
        }
    }

    /**
     * @return {@link #forCores} of this host.
     */
    public static int forThisHost()
    {
        return forCores(Runtime.getRuntime().availableProcessors());
    }
}
