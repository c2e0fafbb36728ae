package io.kvpool.cli;

import io.kvpool.protocol.ByteSizes;
import picocli.CommandLine;

/**
 * Picocli converter for byte sizes ({@code 4096}, {@code 64k}, {@code 2m}, {@code 1g}); zero is refused.
 */
final class SizeConverter implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        final long bytes;
        try
        {
            bytes = ByteSizes.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
        if (bytes == 0)
        {
            throw new CommandLine.TypeConversionException("size='" + value + "' must be greater than zero");
        }
        return bytes;
    }
}
