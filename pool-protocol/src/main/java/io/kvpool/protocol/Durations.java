package io.kvpool.protocol;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses durations as operators write them: {@code 200us}, {@code 500ms}, {@code 10s}, {@code 2m}, a bare number of
 * seconds, or
 * ISO-8601 ({@code PT10S}). Stateless and thread-safe.
 */
public final class Durations
{
    private Durations()
    {
    }

    /**
     * @throws IllegalArgumentException naming the text when it is not a duration.
     */
    public static Duration parse(final String value)
    {
        final String text = value.trim().toLowerCase(Locale.ROOT);
        try
        {
            if (text.startsWith("pt"))
            {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            }
            if (text.endsWith("us"))
            {
                final long micros = Long.parseLong(text.substring(0, text.length() - 2));
                return Duration.ofNanos(Math.multiplyExact(micros, 1_000L));
            }
            if (text.endsWith("ms"))
            {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            if (text.endsWith("s"))
            {
                return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            if (text.endsWith("m"))
            {
                return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(text));
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("'" + value + "' is not a duration such as 500ms, 10s or 2m");
        }
    }

    /**
     * Writes a duration the way {@link #parse(String)} reads it and a person expects: {@code 2s}, {@code 500ms},
     * {@code 1500ms}, {@code 200us}, {@code 2m}; never ISO-8601's {@code PT2S}.
     *
     * @param duration a non-negative duration.
     * @return its shortest exact spelling in whole minutes, seconds, milliseconds, microseconds or nanoseconds.
     */
    public static String format(final Duration duration)
    {
        final long nanos = duration.toNanos();
        if (nanos != 0 && nanos % 60_000_000_000L == 0)
        {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0)
        {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0)
        {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0)
        {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }
}
