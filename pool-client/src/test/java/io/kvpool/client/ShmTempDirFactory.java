package io.kvpool.client;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Temporary directories on tmpfs (/dev/shm), where the emulated pool and Aeron's files belong.
 */
public final class ShmTempDirFactory implements TempDirFactory
{
    @Override
    public Path createTempDirectory(final AnnotatedElementContext element, final ExtensionContext extension)
        throws IOException
    {
        return Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-junit-");
    }
}
