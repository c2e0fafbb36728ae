package io.kvpool.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench jmh}'s pattern check, against the benchmark list the build generated: a pattern that matches none
 * is refused naming it and the benchmarks there are (JMH itself throws with no message); each benchmark's "vs copy"
 * is reckoned against its own class's baseline.
 */
class JmhCommandTest
{
    @Test
    void shouldNameThePatternAndTheBenchmarksWhenNoneMatches()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> JmhCommand.requireMatch("NoSuchBenchmark"));
        assertTrue(ex.getMessage().startsWith("no benchmark matches 'NoSuchBenchmark'; there are: "), ex.getMessage());
        assertTrue(ex.getMessage().contains("ClientCopyBenchmark.copyBaseline"), ex.getMessage());
        assertTrue(ex.getMessage().contains("PoolCoreBenchmark."), ex.getMessage());
        assertDoesNotThrow(() -> JmhCommand.requireMatch("ProtocolBenchmark"));
    }

    @Test
    void shouldReckonEachBenchmarkAgainstItsOwnClasssBaseline()
    {
        assertEquals("io.kvpool.bench.jmh.CopyChecksumBenchmark.copyBaseline",
            JmhCommand.baselineOf("io.kvpool.bench.jmh.CopyChecksumBenchmark.sharedPieceByPiece"));
        assertEquals("io.kvpool.bench.jmh.ClientCopyBenchmark.copyBaseline",
            JmhCommand.baselineOf("io.kvpool.bench.jmh.ClientCopyBenchmark.put"));
    }
}
