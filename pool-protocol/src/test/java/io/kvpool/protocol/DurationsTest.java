package io.kvpool.protocol;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest
{
    @Test
    void shouldReadEveryUnitOperatorsWrite()
    {
        assertEquals(Duration.ofNanos(200_000), Durations.parse("200us"));
        assertEquals(Duration.ofMillis(500), Durations.parse(" 500MS "));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofSeconds(7), Durations.parse("7"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("PT1M30S"));
    }

    @Test
    void shouldNameTextThatIsNoDuration()
    {
        assertEquals("'soon' is not a duration such as 500ms, 10s or 2m",
            assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("us"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999us"));
    }
}
