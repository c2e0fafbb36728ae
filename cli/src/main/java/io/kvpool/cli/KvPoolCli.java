package io.kvpool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kvpool} command line. The {@code ./kvpool} launcher finds Java 25, builds the project when needed and
 * runs this class; {@code ./kvpool test} is handled by the launcher itself (it runs Maven).
 */
@Command(
    name = "kvpool",
    mixinStandardHelpOptions = true,
    versionProvider = KvPoolCli.Version.class,
    description = "A rack-scale memory pool for the KV caches of LLM inference engines.",
    subcommands = {DemoCommand.class, ManagerCommand.class, StatsCommand.class, InspectCommand.class,
        SelfCheckCommand.class, ClientConfigCommand.class, KeysCommand.class, TestCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"",
        "Also: kvpool bench COMMAND runs the benchmarks (kvpool bench --help lists them). In a source tree the " +
            "launcher also takes rig SCENARIO (the QEMU test rig), build, and jdk (prints the JDK it uses).",
        "Exit status: 0 done, 1 failed while running, 2 usage error (a bad option or value)."})
public final class KvPoolCli
{
    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine()
    {
        return UsageErrors.install(new CommandLine(new KvPoolCli()));
    }

    /** Reports the project version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = KvPoolCli.class.getPackage().getImplementationVersion();
            return new String[]{"kvpool " + (version == null ? "(development build)" : version) + ", Java " +
                Runtime.version()};
        }
    }
}
