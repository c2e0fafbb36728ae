package io.kvpool.bench;

import java.util.function.Function;

/**
 * Option values the benchmark commands parse themselves (picocli takes them as text), refused in one style.
 */
final class Options
{
    private Options()
    {
    }

    /**
     * @return the option's parsed value.
     * @throws IllegalArgumentException naming the option and its value when the parser refuses it.
     */
    static <T> T parsed(final String name, final String text, final Function<String, T> parse)
    {
        try
        {
            return parse.apply(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(name + "=" + text + ": " + ex.getMessage(), ex);
        }
    }
}
