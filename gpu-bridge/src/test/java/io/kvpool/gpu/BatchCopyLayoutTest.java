package io.kvpool.gpu;

import io.kvpool.protocol.test.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FFM layout of {@code CUmemcpyAttributes} that {@link BatchCopy} passes to cuMemcpyBatchAsync must be cuda.h's:
 * compiles src/test/c/batch_layout.c with gcc against the CUDA toolkit's headers and compares every size, offset
 * and the enum value used. Where the toolkit is not installed (CI machines have no CUDA), it is skipped and says so.
 */
class BatchCopyLayoutTest
{
    private static final Path INCLUDE = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"),
        "include");

    @Test
    void shouldMatchTheCudaHeader() throws IOException, InterruptedException
    {
        final boolean present = Files.exists(INCLUDE.resolve("cuda.h"));
        Assumptions.assumeTrue(Tools.onPath("gcc"), "gcc is not installed: apt-get install gcc");
        Assumptions.assumeTrue(present, "no CUDA toolkit headers at " + INCLUDE + " (set CUDA_HOME)");
        final Path binary = Files.createDirectories(Path.of("target/c")).resolve("batch_layout");
        final Process gcc = new ProcessBuilder("gcc", "-I" + INCLUDE, "-o", binary.toString(),
            Path.of("src/test/c/batch_layout.c").toAbsolutePath().toString()).redirectErrorStream(true).start();
        final String compileOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, gcc.exitValue(), "gcc failed:\n" + compileOutput);
        final Process run = new ProcessBuilder(binary.toString()).start();
        final Map<String, Long> c = new LinkedHashMap<>();
        new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
            .forEach(line -> c.put(line.split(" ")[0], Long.parseLong(line.split(" ")[1])));
        assertTrue(run.waitFor(10, TimeUnit.SECONDS));
        final Map<String, Long> java = new LinkedHashMap<>();
        java.put("sizeof", BatchCopy.ATTRIBUTES.byteSize());
        for (final String field : new String[]{"srcAccessOrder", "srcLocHint", "dstLocHint", "flags"})
        {
            java.put(field, BatchCopy.ATTRIBUTES.byteOffset(MemoryLayout.PathElement.groupElement(field)));
        }
        java.put("CU_MEMCPY_SRC_ACCESS_ORDER_STREAM", (long)BatchCopy.SRC_ACCESS_ORDER_STREAM);
        assertEquals(c, java);
    }
}
