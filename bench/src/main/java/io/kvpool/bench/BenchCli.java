package io.kvpool.bench;

import io.kvpool.bench.characterize.CharacterizeCommand;
import io.kvpool.bench.replay.ReplayCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./kvpool bench}: benchmark commands. The launcher runs this class on bench's own classpath.
 */
@Command(
    name = "kvpool bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks of kvpool's data paths.",
    subcommands = {CharacterizeCommand.class, ReplayCommand.class, JmhCommand.class, RemoteCommand.class,
        GpuCommand.class,
        CommandLine.HelpCommand.class})
public final class BenchCli
{
    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        // A failure is one clear line, not a stack trace (-Dkvpool.debug=true adds it); exit status 1.
        System.exit(new CommandLine(new BenchCli()).setExecutionExceptionHandler((ex, command, parsed) ->
        {
            command.getErr().println("kvpool bench " + command.getCommandName() + ": " + ex.getMessage());
            if (Boolean.getBoolean("kvpool.debug"))
            {
                ex.printStackTrace(command.getErr());
            }
            return 1;
        }).execute(args));
    }
}
