package io.kvpool.cli;

import io.kvpool.client.ClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code kvpool client-config FILE}: checks an engine host's client configuration and prints what it says.
 */
@Command(
    name = "client-config",
    mixinStandardHelpOptions = true,
    header = "Checks a client configuration file and prints its settings.",
    description = "Checks a client configuration file (as deployment writes it for engine hosts) and prints its " +
        "settings; exit status 1 names the bad key.")
final class ClientConfigCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The client.properties file.")
    private Path file;

    @Override
    public Integer call()
    {
        spec.commandLine().getOut().println(ClientConfig.load(file).describe());
        return 0;
    }
}
