package io.kvpool.protocol.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where puts' bytes go by {@code tcp-puts}: auto takes TCP with one lane only, on with any, off never; the setting
 * reads as written in client.properties or {@code -Dkvpool.tcpPuts}, and refuses anything else by name.
 */
class TcpPutsTest
{
    @Test
    void shouldTakeTcpWhereItsModeSaysForThatManyLanes()
    {
        assertTrue(TcpPuts.AUTO.on(1));
        assertFalse(TcpPuts.AUTO.on(2));
        assertFalse(TcpPuts.AUTO.on(4));
        assertTrue(TcpPuts.ON.on(1));
        assertTrue(TcpPuts.ON.on(4));
        assertFalse(TcpPuts.OFF.on(1));
        assertFalse(TcpPuts.OFF.on(4));
    }

    @Test
    void shouldReadTheSettingAndRefuseAnythingElse()
    {
        assertEquals(TcpPuts.AUTO, TcpPuts.parse("auto"));
        assertEquals(TcpPuts.ON, TcpPuts.parse(" ON "));
        assertEquals(TcpPuts.OFF, TcpPuts.parse("off"));
        assertEquals("tcp-puts=yes: expected auto, on or off",
            assertThrows(IllegalArgumentException.class, () -> TcpPuts.parse("yes")).getMessage());
        final String before = System.getProperty(TcpPuts.PROPERTY);
        try
        {
            System.clearProperty(TcpPuts.PROPERTY);
            assertEquals(TcpPuts.AUTO, TcpPuts.fromSystemProperty());
            System.setProperty(TcpPuts.PROPERTY, "on");
            assertEquals(TcpPuts.ON, TcpPuts.fromSystemProperty());
            System.setProperty(TcpPuts.PROPERTY, "sometimes");
            assertEquals("-Dkvpool.tcpPuts=sometimes: expected auto, on or off",
                assertThrows(IllegalArgumentException.class, TcpPuts::fromSystemProperty).getMessage());
        }
        finally
        {
            if (before == null)
            {
                System.clearProperty(TcpPuts.PROPERTY);
            }
            else
            {
                System.setProperty(TcpPuts.PROPERTY, before);
            }
        }
    }
}
