package io.kvpool.protocol;

import java.util.Locale;

/**
 * Parses and formats byte sizes as operators write them: {@code 4096}, {@code 64k}, {@code 2M}, {@code 8g},
 * {@code 1GiB}. Units are binary. Stateless and thread-safe.
 */
public final class ByteSizes
{
    private static final String UNITS = "kmgt";

    private ByteSizes()
    {
    }

    /**
     * @param text a size with an optional unit k, m, g or t (any case, optionally followed by "b" or "ib").
     * @return the size in bytes, zero or more.
     * @throws IllegalArgumentException when the text is not a size, is negative or overflows.
     */
    public static long parse(final String text)
    {
        String value = text.trim().toLowerCase(Locale.ROOT);
        value = value.endsWith("ib") ? value.substring(0, value.length() - 2) :
            value.endsWith("b") ? value.substring(0, value.length() - 1) : value;
        long multiplier = 1;
        if (!value.isEmpty() && UNITS.indexOf(value.charAt(value.length() - 1)) >= 0)
        {
            multiplier = 1L << (10 * (1 + UNITS.indexOf(value.charAt(value.length() - 1))));
            value = value.substring(0, value.length() - 1);
        }
        try
        {
            final long number = Long.parseLong(value.trim());
            if (number < 0)
            {
                throw new NumberFormatException("negative");
            }
            return Math.multiplyExact(number, multiplier);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new IllegalArgumentException("size='" + text + "' is not a size such as 4096, 64k, 2m or 8g", ex);
        }
    }

    /**
     * @param bytes a size.
     * @return it in the largest binary unit that keeps it readable, e.g. "64 MiB", "1.5 GiB", "4 KiB", "100 B".
     */
    public static String format(final long bytes)
    {
        final String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        double value = bytes;
        while (Math.abs(value) >= 1024 && unit < units.length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value == Math.rint(value) ? (long)value + " " + units[unit] :
            String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
