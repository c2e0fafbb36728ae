package io.kvpool.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code bench remote}'s choices that need no Redis: the lanes {@code --lanes auto} gives, the client-driver words,
 * and refused options (each named with its value, before anything starts).
 */
class RemoteCommandTest
{
    @Test
    void shouldGiveACoreToEverySpinningThreadAndAtMostSixLanes()
    {
        assertEquals(1, RemoteCommand.autoLanes(2, 2), "a 2-core host: one lane");
        assertEquals(1, RemoteCommand.autoLanes(1, 4), "never below one");
        assertEquals(4, RemoteCommand.autoLanes(12, 4), "(12 - 4) / 2");
        assertEquals(5, RemoteCommand.autoLanes(12, 1), "(12 - 1) / 2, rounded down");
        assertEquals(6, RemoteCommand.autoLanes(16, 4));
        assertEquals(RemoteCommand.MAX_AUTO_LANES, RemoteCommand.autoLanes(16, 2), "7 capped");
        assertEquals(RemoteCommand.MAX_AUTO_LANES, RemoteCommand.autoLanes(128, 1));
    }

    @Test
    void shouldReadEachClientDriversWord()
    {
        assertEquals(AeronLoopback.ClientDrivers.SHARED, AeronLoopback.ClientDrivers.parse("shared"));
        assertEquals(AeronLoopback.ClientDrivers.OWN, AeronLoopback.ClientDrivers.parse("own"));
        assertEquals(AeronLoopback.ClientDrivers.PROCESS, AeronLoopback.ClientDrivers.parse("process"));
    }

    @Test
    void shouldRefuseBadOptionsNamingThem()
    {
        assertRefused("--lanes=0: expected at least 1", "--lanes", "0");
        assertRefused("--lanes=many: expected a number of lanes or auto", "--lanes", "many");
        assertRefused("--client-drivers=mine: expected shared, own or process", "--client-drivers", "mine");
        assertRefused("--idle=nap: expected", "--idle", "nap");
        assertRefused("--threads=0: expected at least 1", "--threads", "0");
        assertRefused("--seconds=0: expected at least 1", "--seconds", "0");
        assertRefused("--values=0: expected at least 1", "--values", "0");
        final String block = ": expected a multiple of 64 bytes from 16k to 64m";
        assertRefused("--sizes=0" + block, "--sizes", "0");
        assertRefused("--sizes=100" + block, "--sizes", "256k,100");
        assertRefused("--sizes=128m" + block, "--sizes", "128m");
        assertRefused("--sizes=lots: size='lots' is not a size", "--sizes", "lots");
    }

    @Test
    void shouldTakeEveryPoolBlockSizeFrom16KiBTo64MiB()
    {
        assertEquals(16 << 10, RemoteCommand.parseSize("16k"));
        assertEquals(256 << 10, RemoteCommand.parseSize("256KiB"));
        assertEquals((16 << 10) + 64, RemoteCommand.parseSize(Integer.toString((16 << 10) + 64)));
        assertEquals(64 << 20, RemoteCommand.parseSize("64m"));
    }

    private static void assertRefused(final String message, final String... args)
    {
        Refusals.assertRefused(new RemoteCommand(), message, args);
    }
}
