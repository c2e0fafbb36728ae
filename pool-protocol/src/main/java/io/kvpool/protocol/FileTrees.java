package io.kvpool.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Removes scratch directories (regions, indexes and Aeron directories made for a run). Stateless.
 */
public final class FileTrees
{
    private FileTrees()
    {
    }

    /**
     * Deletes {@code root} and everything under it, deepest first; nothing happens when it does not exist. A file
     * that cannot be deleted is left in place.
     *
     * @throws UncheckedIOException when the tree cannot be walked.
     */
    public static void delete(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(root))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot walk " + root, ex);
        }
    }
}
