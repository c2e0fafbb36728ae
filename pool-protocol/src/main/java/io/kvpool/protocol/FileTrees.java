package io.kvpool.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Removes scratch directories (regions, indexes and Aeron directories made for a run), and says why a file could
 * not be read. Stateless.
 */
public final class FileTrees
{
    private FileTrees()
    {
    }

    /**
     * @param ex why a file could not be read or written.
     * @return the reason in words, for a message that already names the file: a missing file's exception says
     *         only its name.
     */
    public static String reason(final Exception ex)
    {
        return ex instanceof NoSuchFileException ? "no such file" : ex.getMessage();
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
