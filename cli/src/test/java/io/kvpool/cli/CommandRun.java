package io.kvpool.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * One run of a command line in this JVM, with what it printed on each stream: how the CLI tests of {@code kvpool}
 * and {@code kvpool bench} drive their commands (this module's test-jar carries it to bench).
 *
 * @param exitCode what {@link CommandLine#execute} returned.
 * @param out      its standard output.
 * @param err      its standard error.
 */
public record CommandRun(int exitCode, String out, String err)
{
    /**
     * @param commandLine a command line with its handlers installed, used once.
     * @param args        the arguments.
     * @return the run.
     */
    public static CommandRun of(final CommandLine commandLine, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new CommandRun(exitCode, out.toString(), err.toString());
    }

    /**
     * @return the error stream's lines.
     */
    public List<String> errLines()
    {
        return err.lines().toList();
    }
}
