package io.kvpool.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AeronTimeoutsTest
{
    @Test
    void shouldUseTwoSecondsWhenThePropertyIsNotSet()
    {
        assertEquals(2_000, AeronTimeouts.parse(null));
    }

    @Test
    void shouldTakeTheMillisecondsThePropertyGives()
    {
        assertEquals(15_000, AeronTimeouts.parse("15000"));
        assertEquals(250, AeronTimeouts.parse(" 250 "));
    }

    @Test
    void shouldRefuseWhatIsNotAPositiveNumberNamingTheProperty()
    {
        for (final String bad : new String[]{"0", "-5", "15s", ""})
        {
            final IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> AeronTimeouts.parse(bad));
            assertTrue(refused.getMessage().startsWith("kvpool.aeron.driverTimeoutMs=" + bad + " "),
                refused.getMessage());
        }
    }
}
