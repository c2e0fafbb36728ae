package io.kvpool.client;

import io.kvpool.manager.ManagerContext;
import io.kvpool.manager.PoolContext;
import io.kvpool.manager.PoolManager;
import io.kvpool.protocol.FileTrees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Secrets and data on a shared host: the manager's files admit only the service's user (and the engine group when
 * one is configured), and no token's bytes ever land in a file, although every request passes through the media
 * driver's log buffers.
 */
class ManagerFilesTest
{
    private static final String ADMIN_TOKEN = "admin-secret-token-7f3a";
    private static final String NAMESPACE_TOKEN = "namespace-secret-token-42c9";
    private final Path directory;

    ManagerFilesTest() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-files-");
    }

    @AfterEach
    void tearDown() throws IOException
    {
        FileTrees.delete(directory);
    }

    @Test
    void shouldAdmitOnlyTheServiceUserAndKeepTokensOutOfEveryFile() throws Exception
    {
        try (PoolManager manager = PoolManager.launch(context(null)))
        {
            assertEquals("rw-------", mode(directory.resolve("region")));
            assertEquals("rw-------", mode(directory.resolve("region.index")));
            assertEquals("rw-------", mode(directory.resolve("region.index.lock")));
            assertEquals("rwx------", mode(directory.resolve("aeron")));
            useTheNamespace();
            for (final String token : List.of(ADMIN_TOKEN, NAMESPACE_TOKEN))
            {
                final List<Path> holding = filesHolding(directory.resolve("aeron"),
                    token.getBytes(StandardCharsets.UTF_8));
                assertEquals(List.of(), holding, "files holding the token " + token);
            }
        }
    }

    @Test
    void shouldAdmitTheEngineGroupWhenOneIsConfigured() throws Exception
    {
        final String group = Files.readAttributes(directory, PosixFileAttributes.class).group().getName();
        try (PoolManager manager = PoolManager.launch(context(group)))
        {
            for (final String file : List.of("region", "region.index", "region.index.lock"))
            {
                assertEquals("rw-rw----", mode(directory.resolve(file)), file);
                assertEquals(group, Files.readAttributes(directory.resolve(file), PosixFileAttributes.class).group()
                    .getName());
            }
            assertEquals("rwxrwx---", mode(directory.resolve("aeron")));
            useTheNamespace();
        }
    }

    private ManagerContext context(final String group)
    {
        return new ManagerContext().pool(new PoolContext().regionFile(directory.resolve("region"))
                .regionSizeBytes(32L << 20).slabSizeBytes(2L << 20).prefault(false).fileGroup(group))
            .embeddedAeronDir(directory.resolve("aeron")).metricsPort(-1).adminToken(ADMIN_TOKEN);
    }

    private void useTheNamespace()
    {
        try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext().aeronDir(directory.resolve("aeron"))
            .token(ADMIN_TOKEN).connectTimeout(Duration.ofSeconds(20))))
        {
            admin.createNamespace("secret", 64 * 1024, 0, 4, NAMESPACE_TOKEN);
        }
        try (KvPool pool = KvPool.connect(new KvPoolContext().aeronDir(directory.resolve("aeron"))
            .connectTimeout(Duration.ofSeconds(20))); Arena arena = Arena.ofConfined())
        {
            final KvNamespace ns = pool.namespace("secret", 64 * 1024, NAMESPACE_TOKEN);
            final BlockKeys keys = BlockKeys.chain(new int[]{1, 2, 3, 4}, 4, null);
            final MemorySegment page = arena.allocate(64 * 1024).fill((byte)1);
            assertEquals(1, ns.put(keys, new MemorySegment[]{page}).okCount());
            assertEquals(1, ns.get(keys, new MemorySegment[]{arena.allocate(64 * 1024)}).okCount());
        }
    }

    private static String mode(final Path path) throws IOException
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static List<Path> filesHolding(final Path root, final byte[] needle) throws IOException
    {
        try (Stream<Path> files = Files.walk(root))
        {
            return files.filter(Files::isRegularFile).filter(file ->
            {
                try
                {
                    final byte[] bytes = Files.readAllBytes(file);
                    for (int i = 0; i + needle.length <= bytes.length; i++)
                    {
                        if (bytes[i] == needle[0] && Arrays.equals(bytes, i, i + needle.length, needle, 0,
                            needle.length))
                        {
                            return true;
                        }
                    }
                    return false;
                }
                catch (final IOException ex)
                {
                    // A log buffer the driver removed meanwhile holds nothing any more.
                    return false;
                }
            }).toList();
        }
    }
}
