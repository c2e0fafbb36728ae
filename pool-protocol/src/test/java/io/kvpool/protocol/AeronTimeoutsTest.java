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
    void shouldKeepASilentClientForTwoDriverTimeoutsButNoLessThanTheFloor()
    {
        assertEquals(4_000_000_000L, AeronTimeouts.clientLivenessTimeoutNs(2_000, 0));
        assertEquals(10_000_000_000L,
            AeronTimeouts.clientLivenessTimeoutNs(2_000, AeronTimeouts.AERON_DEFAULT_CLIENT_LIVENESS_NS));
        assertEquals(30_000_000_000L,
            AeronTimeouts.clientLivenessTimeoutNs(15_000, AeronTimeouts.AERON_DEFAULT_CLIENT_LIVENESS_NS));
    }

    @Test
    void shouldUnblockPublicationsOnlyAfterAClientCouldHaveBeenCalledDead()
    {
        // Aeron's default while the liveness timeout allows it; beyond that, longer than the liveness timeout.
        assertEquals(15_000_000_000L, AeronTimeouts.publicationUnblockTimeoutNs(4_000_000_000L));
        assertEquals(15_000_000_000L, AeronTimeouts.publicationUnblockTimeoutNs(10_000_000_000L));
        assertEquals(45_000_000_000L, AeronTimeouts.publicationUnblockTimeoutNs(30_000_000_000L));
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
