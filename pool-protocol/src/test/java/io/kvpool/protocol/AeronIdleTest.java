package io.kvpool.protocol;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AeronIdleTest
{
    @Test
    void shouldParseEveryNameInAnyCase()
    {
        assertEquals(AeronIdle.SPIN, AeronIdle.parse("Spin"));
        assertEquals(AeronIdle.BACKOFF, AeronIdle.parse("BACKOFF"));
        assertEquals("backoff", AeronIdle.BACKOFF.text());
        assertEquals(AeronIdle.YIELD, AeronIdle.parse("yield"));
        assertEquals("expected backoff, spin or yield",
            assertThrows(IllegalArgumentException.class, () -> AeronIdle.parse("sleep")).getMessage());
    }

    @Test
    void shouldGiveEachThreadItsOwnStrategyOfTheRightKind()
    {
        assertInstanceOf(BusySpinIdleStrategy.class, AeronIdle.SPIN.strategy(1_000));
        assertInstanceOf(YieldingIdleStrategy.class, AeronIdle.YIELD.strategy(1_000));
        final BackoffIdleStrategy backoff = assertInstanceOf(BackoffIdleStrategy.class,
            AeronIdle.BACKOFF.strategy(200_000));
        assertTrue(backoff.toString().contains("maxParkPeriodNs=200000"), backoff.toString());
        // Yields from the first idle call on (one spin): spinning first starves peers on hosts with few cores.
        assertTrue(backoff.toString().contains("maxSpins=1,"), backoff.toString());
        assertTrue(backoff.toString().contains("maxYields=1000,"), backoff.toString());
        assertNotSame(AeronIdle.BACKOFF.strategy(1_000), AeronIdle.BACKOFF.strategy(1_000));
    }
}
