package io.kvpool.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kvpool bench}'s help: every benchmark answers {@code --help} with its usage, and the command list sums
 * each one up in a whole sentence (its header, else its description's first line).
 */
class BenchCliTest
{
    @Test
    void shouldPrintHelpForEveryBenchmark()
    {
        final CommandLine bench = new CommandLine(new BenchCli());
        for (final CommandLine command : bench.getSubcommands().values())
        {
            final String name = command.getCommandName();
            if ("help".equals(name))
            {
                continue;
            }
            final StringWriter out = new StringWriter();
            final CommandLine fresh = new CommandLine(new BenchCli());
            fresh.setOut(new PrintWriter(out, true));
            assertEquals(0, fresh.execute(name, "--help"), name);
            assertTrue(out.toString().contains("Usage: kvpool bench " + name), out.toString());
            final CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
            final String summary = usage.header().length > 0 ? usage.header()[0] : usage.description()[0];
            assertTrue(summary.endsWith(".") && summary.length() <= 100, name + ": " + summary);
        }
    }
}
