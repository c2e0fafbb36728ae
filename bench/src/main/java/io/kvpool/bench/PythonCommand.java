package io.kvpool.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./kvpool bench python}: the Python client's get and put beside a numpy copy of the same bytes, and SGLang's
 * batch_get_v1 ({@code python/benchmarks/client_bench.py}, run by the system's Python 3).
 */
@Command(
    name = "python",
    mixinStandardHelpOptions = true,
    header = "Measures the Python client's get and put beside a plain numpy copy, and SGLang's batch_get_v1.",
    description = "Runs python/benchmarks/client_bench.py with /usr/bin/python3 (numpy needed, torch for the " +
        "SGLang row): batches of 32 blocks of 64 KiB and 2 MiB, and 128 SGLang pages, each beside a copy of the " +
        "same bytes in the same run. It starts its own manager on a 1 GiB region in /dev/shm.")
final class PythonCommand implements Callable<Integer>
{
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "2",
        description = "Time per measurement (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Override
    public Integer call() throws Exception
    {
        if (!(seconds > 0))
        {
            throw new IllegalArgumentException("--seconds=" + seconds + " must be positive");
        }
        final Path root = Path.of(System.getProperty("kvpool.home", "."));
        final Path script = root.resolve("python/benchmarks/client_bench.py");
        if (!Files.isRegularFile(script))
        {
            throw new IllegalStateException("no " + script + ": run from a source tree (./kvpool bench python)");
        }
        final String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        final List<String> command = new ArrayList<>(List.of(python, script.toString(), "--seconds",
            Double.toString(seconds)));
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
