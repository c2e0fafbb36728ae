package io.kvpool.bench;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks that a benchmark refuses options before it starts anything: exit 1, the message on standard error, nothing
 * on standard output.
 */
final class Refusals
{
    private Refusals()
    {
    }

    /**
     * @param command a fresh benchmark command object.
     * @param message what standard error must contain.
     * @param args    the refused command line.
     */
    static void assertRefused(final Object command, final String message, final String... args)
    {
        final StringWriter err = new StringWriter();
        final StringWriter out = new StringWriter();
        final CommandLine line = new CommandLine(command).setErr(new PrintWriter(err))
            .setOut(new PrintWriter(out)).setExecutionExceptionHandler((ex, refused, parsed) ->
            {
                refused.getErr().println(ex.getMessage());
                return 1;
            });
        assertEquals(1, line.execute(args), out.toString());
        assertTrue(err.toString().contains(message), err.toString());
        assertEquals("", out.toString(), "refused before anything is printed or started");
    }
}
