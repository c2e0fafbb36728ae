package io.kvpool.cli;

import io.kvpool.client.ManagerClient;
import io.kvpool.client.ManagerClientContext;
import io.kvpool.protocol.FileTrees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A manager and two client JVMs: one writes blocks, the other reads them back by load/store from its own mapping
 * of the region, every byte compared.
 */
class TwoClientProcessesTest
{
    private final Path directory;

    TwoClientProcessesTest() throws IOException
    {
        directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-two-clients-");
    }

    @AfterEach
    void deleteDirectory() throws IOException
    {
        FileTrees.delete(directory);
    }

    @Test
    void shouldReadInOneProcessEveryByteAnotherWrote() throws Exception
    {
        try (ManagerProcess manager = ManagerProcess.start(directory))
        {
            try (ManagerClient admin = ManagerClient.connect(new ManagerClientContext()
                .aeronDir(ManagerProcess.aeronDir(directory)).token("admin").connectTimeout(Duration.ofSeconds(20))))
            {
                admin.createNamespace("qwen", 128 * 1024, 0, 0, "qwen-token");
            }
            final Result writer = worker("write");
            assertEquals(0, writer.exitCode, writer.output);
            assertTrue(writer.output.contains("wrote 300"), writer.output);
            final Result reader = worker("read");
            assertEquals(0, reader.exitCode, reader.output);
            assertTrue(reader.output.contains("verified 300"), reader.output);
        }
    }

    private Result worker(final String mode) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("@" + System.getProperty("kvpool.jvm.options"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ClientWorker.class.getName());
        command.addAll(List.of(ManagerProcess.aeronDir(directory).toString(), "qwen", "qwen-token", mode, "0", "300",
            Long.toString(128 * 1024)));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output)
    {
    }
}
