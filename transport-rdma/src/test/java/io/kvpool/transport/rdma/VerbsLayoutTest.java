package io.kvpool.transport.rdma;

import io.kvpool.transport.rdma.internal.VerbsLayouts;
import io.kvpool.protocol.test.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles src/test/c/verbs_layout.c with gcc against the installed libibverbs headers and compares every struct
 * size and field offset it prints with the Java layouts. Needs gcc and libibverbs-dev (.ci/run installs both);
 * where either is missing the test is skipped and says so.
 */
class VerbsLayoutTest
{
    @Test
    void shouldMatchEverySizeAndOffsetOfTheInstalledHeaders() throws IOException, InterruptedException
    {
        final Path header = Path.of("/usr/include/infiniband/verbs.h");
        Assumptions.assumeTrue(Tools.onPath("gcc"), "gcc is not installed: apt-get install gcc");
        Assumptions.assumeTrue(Files.exists(header), header + " is missing: apt-get install libibverbs-dev");
        final Path source = Path.of("src/test/c/verbs_layout.c").toAbsolutePath();
        final Path binary = Files.createDirectories(Path.of("target/c")).resolve("verbs_layout");
        final Process gcc = new ProcessBuilder("gcc", "-o", binary.toString(), source.toString())
            .redirectErrorStream(true).start();
        final String compileOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, gcc.exitValue(), "gcc failed:\n" + compileOutput);
        final Process run = new ProcessBuilder(binary.toString()).start();
        final List<String> lines = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
            .toList();
        assertTrue(run.waitFor(10, TimeUnit.SECONDS));
        assertTrue(lines.size() > 80, "the C program printed " + lines.size() + " lines");
        final List<String> mismatches = new ArrayList<>();
        for (final String line : lines)
        {
            final String[] fields = line.split(" ");
            final long expected = Long.parseLong(fields[2]);
            if ("sizeof".equals(fields[0]))
            {
                final long actual = VerbsLayouts.ALL.get(fields[1]).byteSize();
                if (actual != expected)
                {
                    mismatches.add("sizeof " + fields[1] + ": C " + expected + ", Java " + actual);
                }
                continue;
            }
            final String[] path = fields[1].split("\\.");
            final MemoryLayout layout = VerbsLayouts.ALL.get(path[0]);
            final MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length - 1];
            for (int i = 1; i < path.length; i++)
            {
                elements[i - 1] = MemoryLayout.PathElement.groupElement(path[i]);
            }
            final long actual = layout.byteOffset(elements);
            if (actual != expected)
            {
                mismatches.add("offsetof " + fields[1] + ": C " + expected + ", Java " + actual);
            }
        }
        assertEquals(List.of(), mismatches);
    }
}
