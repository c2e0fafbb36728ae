package io.kvpool.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./kvpool bench}: benchmark commands. The launcher runs this class on bench's own classpath.
 */
@Command(
    name = "kvpool bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks of kvpool's data paths.",
    subcommands = {io.kvpool.bench.replay.ReplayCommand.class, JmhCommand.class, RemoteCommand.class, GpuCommand.class,
        CommandLine.HelpCommand.class})
public final class BenchCli
{
    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }
}
