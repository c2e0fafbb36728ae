package io.kvpool.bench;

import io.kvpool.bench.gpu.GpuBench;
import io.kvpool.bench.gpu.GpuClientCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./kvpool bench gpu}: the GPU bridge's correctness check and bandwidth table, where a GPU is present.
 * On a machine without one (and without Java on the GPU machine), bench/gpu/prepare.sh builds a runtime image and
 * bench/gpu/run.sh runs the same program there.
 */
@Command(
    name = "gpu",
    mixinStandardHelpOptions = true,
    header = "Checks the GPU bridge and measures its bandwidths (needs an NVIDIA GPU).",
    description = {
        "Checks the GPU bridge on random data (every byte compared) and prints contiguous and scattered-page " +
            "bandwidths, per-page copies against the kernel. Needs an NVIDIA GPU; elsewhere run bench/gpu/prepare.sh " +
            "here and bench/gpu/run.sh on the GPU machine. With --client: the client's getToDevice/putFromDevice end " +
            "to end instead (bench/gpu/prepare-client.sh, run-client.sh)."})
final class GpuCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/gpu-results",
        description = "Results (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--client", description = "Check the client's device path end to end (a manager in this JVM).")
    private boolean client;

    @Override
    public Integer call() throws Exception
    {
        if (!Files.exists(Path.of("/dev/nvidia0")))
        {
            spec.commandLine().getErr().println("kvpool bench gpu: no NVIDIA GPU here (/dev/nvidia0 is missing). " +
                "Run bench/gpu/prepare.sh, then bench/gpu/run.sh on the GPU machine (carry out/gpu).");
            return 2;
        }
        if (client)
        {
            GpuClientCheck.main(new String[0]);
        }
        else
        {
            GpuBench.main(new String[]{"--out", out.toString()});
        }
        return 0;
    }
}
