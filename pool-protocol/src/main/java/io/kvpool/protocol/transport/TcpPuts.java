package io.kvpool.protocol.transport;

import java.util.Locale;

/**
 * Where a client off the fabric sends its puts' bytes when the manager takes them over TCP as well as over Aeron
 * (HELLO_OK's {@code FEATURE_TCP_WRITES}; transports.md, "Puts over TCP"). Each default is the path measured
 * faster on the hosts that choose it (bench/RESULTS-shapes.txt, sessions 25 and 26).
 */
public enum TcpPuts
{
    /**
     * Over TCP where the client uses one data lane (hosts of fewer than 8 cores by default: on the 2-core VM, 32 x
     * 256 KiB network puts ran at 3.59 GB/s over TCP and 1.34 over Aeron), over Aeron where it uses several (on a
     * 16-core host four Aeron lanes carried them at 8.3 GB/s; TCP over lanes is not measured there yet).
     */
    AUTO,
    /** Over TCP, on every lane the client uses. */
    ON,
    /** Over Aeron. */
    OFF;

    /** The system property that sets a client's default ({@code auto}, {@code on} or {@code off}). */
    public static final String PROPERTY = "kvpool.tcpPuts";

    /**
     * @return {@code auto}, {@code on} or {@code off} read (case aside).
     * @throws IllegalArgumentException for anything else.
     */
    public static TcpPuts parse(final String text)
    {
        return switch (text.trim().toLowerCase(Locale.ROOT))
        {
            case "auto" -> AUTO;
            case "on" -> ON;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException("tcp-puts=" + text + ": expected auto, on or off");
        };
    }

    /**
     * @return the default of this process: {@link #PROPERTY} where set, else {@link #AUTO}.
     * @throws IllegalArgumentException where the property is set to anything else.
     */
    public static TcpPuts fromSystemProperty()
    {
        final String value = System.getProperty(PROPERTY);
        try
        {
            return value == null ? AUTO : parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": expected auto, on or off", ex);
        }
    }

    /**
     * @param lanes the data lanes the client uses.
     * @return whether puts go over TCP, where the manager takes them so.
     */
    public boolean on(final int lanes)
    {
        return this == ON || this == AUTO && lanes == 1;
    }
}
