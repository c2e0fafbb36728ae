package io.kvpool.protocol.test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Optional programs a test runs (a compiler, a server): where one is missing the test skips with the package that
 * brings it, through an assumption, which {@link SkipReporter} prints. Stateless and thread-safe.
 */
public final class Tools
{
    private Tools()
    {
    }

    /**
     * @param program a program name, e.g. {@code gcc}.
     * @return whether an executable of that name is on {@code PATH}.
     */
    public static boolean onPath(final String program)
    {
        final String path = System.getenv().getOrDefault("PATH", "");
        for (final String directory : path.split(File.pathSeparator))
        {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program)))
            {
                return true;
            }
        }
        return false;
    }
}
