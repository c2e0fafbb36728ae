package io.kvpool.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code ./kvpool bench jmh}: runs the JMH suites briefly (forked JVMs with kvpool's flags), writes JSON results and
 * prints, for the client copy benchmark, each operation's bandwidth and its ratio to the plain copy baseline.
 */
@Command(
    name = "jmh",
    mixinStandardHelpOptions = true,
    description = "Runs the JMH benchmarks (default: all), writes JSON results, and prints bandwidths and ratios.")
final class JmhCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "REGEX", description = "Benchmarks to run (JMH include pattern).")
    private String include = ".*";

    @Option(names = "--quick", description = "One fork, 2 warm-up and 3 measurement iterations of 1 s.")
    private boolean quick;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/jmh",
        description = "Where results go (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Override
    public Integer call() throws RunnerException, IOException
    {
        final PrintWriter writer = spec.commandLine().getOut();
        requireMatch(include);
        Files.createDirectories(out);
        final Path json = out.resolve("jmh-results.json");
        final ChainedOptionsBuilder options = new OptionsBuilder().include(include)
            .jvmArgsAppend(jvmOptions())
            .resultFormat(ResultFormatType.JSON).result(json.toString())
            .forks(1)
            .shouldFailOnError(true)
            .warmupIterations(quick ? 2 : 3).warmupTime(TimeValue.seconds(1))
            .measurementIterations(quick ? 3 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 2));
        final Collection<RunResult> results = new Runner(options.build()).run();
        writer.println();
        writer.printf("%-36s %10s %10s %10s%n", "benchmark", "block", "GB/s", "vs copy");
        for (final RunResult result : results)
        {
            final String name = shortName(result.getParams().getBenchmark());
            final String block = result.getParams().getParam("blockSizeBytes");
            final double opsPerSecond = result.getPrimaryResult().getScore();
            if (block == null)
            {
                writer.printf("%-36s %10s %10.1f ops/s%n", name, "-", opsPerSecond);
                continue;
            }
            final double gbPerSecond = opsPerSecond * Long.parseLong(block) / 1e9;
            final String baselineName = baselineOf(result.getParams().getBenchmark());
            final double baseline = results.stream()
                .filter(r -> r.getParams().getBenchmark().equals(baselineName) &&
                    block.equals(r.getParams().getParam("blockSizeBytes")))
                .mapToDouble(r -> r.getPrimaryResult().getScore()).findFirst().orElse(Double.NaN);
            writer.printf(Locale.ROOT, "%-36s %10s %10.2f %9.1f%%%n", name, block, gbPerSecond,
                100 * opsPerSecond / baseline);
        }
        writer.println("results: " + json.toAbsolutePath());
        return 0;
    }

    /**
     * @param benchmark a benchmark's full name (package, class, method).
     * @return the full name of its class's {@code copyBaseline}, against which its 'vs copy' is reckoned (each
     *         class copies its own bytes: one class's baseline is not another's).
     */
    static String baselineOf(final String benchmark)
    {
        return benchmark.substring(0, benchmark.lastIndexOf('.') + 1) + "copyBaseline";
    }

    /**
     * @throws IllegalArgumentException naming the pattern and every benchmark there is, when it matches none (JMH
     *                                  itself fails with an exception that has no message).
     */
    static void requireMatch(final String include)
    {
        final OutputFormat silent = OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT);
        final BenchmarkList benchmarks = BenchmarkList.defaultList();
        if (benchmarks.find(silent, List.of(include), List.of()).isEmpty())
        {
            final String names = benchmarks.getAll(silent, List.of()).stream()
                .map(entry -> shortName(entry.getUsername()))
                .distinct().sorted().collect(Collectors.joining(", "));
            throw new IllegalArgumentException("no benchmark matches '" + include + "'; there are: " + names);
        }
    }

    /**
     * @param benchmark a benchmark's full name, {@code package.Class.method}.
     * @return {@code Class.method}.
     */
    private static String shortName(final String benchmark)
    {
        return benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
    }

    private static String[] jvmOptions() throws IOException
    {
        final String home = System.getProperty("kvpool.home", ".");
        final List<String> options = new ArrayList<>();
        for (final String line : Files.readAllLines(Path.of(home, "jvm.options")))
        {
            final String option = line.strip();
            if (!option.isEmpty())
            {
                options.add(option.startsWith("\"") ? option.substring(1, option.length() - 1) : option);
            }
        }
        options.add("-Djava.util.logging.config.file=" + Path.of(home, "config/test-logging.properties"));
        return options.toArray(new String[0]);
    }
}
