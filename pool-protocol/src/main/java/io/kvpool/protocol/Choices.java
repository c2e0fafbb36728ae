package io.kvpool.protocol;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Parses a setting that names one of an enum's values, as configuration files and flags spell it: the value's name
 * in any case. Stateless and thread-safe.
 */
public final class Choices
{
    private Choices()
    {
    }

    /**
     * @param values the enum's values, in the order the error message lists them.
     * @param text   the setting's text.
     * @return the value {@code text} names.
     * @throws IllegalArgumentException listing the choices ("expected shared or dedicated", "expected backoff, spin
     *                                  or yield") for anything else.
     */
    public static <E extends Enum<E>> E parse(final E[] values, final String text)
    {
        for (final E value : values)
        {
            if (value.name().equalsIgnoreCase(text))
            {
                return value;
            }
        }
        final List<String> names = Arrays.stream(values).map(value -> value.name().toLowerCase(Locale.ROOT)).toList();
        throw new IllegalArgumentException("expected " + (names.size() == 1 ? names.getFirst() :
            String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast()));
    }
}
