package io.kvpool.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How every kvpool command reports a mistake, in one style: {@code kvpool demo: WHAT IS WRONG}, at most one "did you
 * mean" line with close matches only, and one line pointing at {@code --help}; never the whole help page, which
 * scrolls the error away.
 * <p>
 * Exit statuses: {@value #USAGE} for a usage error (an option's value or a name the command does not know: picocli's
 * parse errors, and an {@link IllegalArgumentException} a command throws while checking its options), {@value
 * #FAILURE} for a failure while running (the pool refused, a file could not be read). {@code -Dkvpool.debug=true}
 * adds the stack trace. Stateless and thread-safe.
 */
public final class UsageErrors
{
    /** Exit status of a usage error. */
    public static final int USAGE = 2;

    /** Exit status of a failure while running. */
    public static final int FAILURE = 1;

    private UsageErrors()
    {
    }

    /**
     * Installs the handlers on a command line and all its subcommands.
     *
     * @param commandLine the top-level command line.
     * @return {@code commandLine}.
     */
    public static CommandLine install(final CommandLine commandLine)
    {
        return commandLine
            .setParameterExceptionHandler(UsageErrors::handleParameterException)
            .setExecutionExceptionHandler(UsageErrors::handleExecutionException);
    }

    private static int handleParameterException(final ParameterException ex, final String[] args)
    {
        final CommandLine command = ex.getCommandLine();
        final PrintWriter err = command.getErr();
        final String name = command.getCommandSpec().qualifiedName();
        if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty())
        {
            final String word = unmatched.getUnmatched().getFirst();
            final boolean option = word.startsWith("-");
            final boolean hasCommands = !command.getSubcommands().isEmpty();
            if (option)
            {
                err.println(name + ": unknown option '" + word + "'");
            }
            else if (hasCommands)
            {
                err.println(name + ": unknown command '" + word + "'; the commands are " +
                    String.join(", ", command.getSubcommands().keySet()));
            }
            else
            {
                err.println(name + ": unexpected argument '" + word + "'");
            }
            final List<String> close = closeMatches(word, option ? optionNames(command.getCommandSpec()) :
                new ArrayList<>(command.getSubcommands().keySet()));
            if (!close.isEmpty())
            {
                err.println("Did you mean " + String.join(" or ", close.stream()
                    .map(candidate -> option ? candidate : name + " " + candidate).toList()) + "?");
            }
        }
        else
        {
            err.println(name + ": " + ex.getMessage());
        }
        err.println(helpPointer(name));
        return USAGE;
    }

    private static int handleExecutionException(
        final Exception ex, final CommandLine command, final CommandLine.ParseResult parseResult)
    {
        final PrintWriter err = command.getErr();
        final String name = command.getCommandSpec().qualifiedName();
        err.println(name + ": " + ex.getMessage());
        if (Boolean.getBoolean("kvpool.debug"))
        {
            ex.printStackTrace(err);
        }
        if (ex instanceof IllegalArgumentException)
        {
            err.println(helpPointer(name));
            return USAGE;
        }
        return FAILURE;
    }

    private static String helpPointer(final String name)
    {
        return "Try '" + name + " --help' for more information.";
    }

    private static List<String> optionNames(final CommandSpec spec)
    {
        final List<String> names = new ArrayList<>();
        for (final OptionSpec option : spec.options())
        {
            names.addAll(List.of(option.names()));
        }
        return names;
    }

    /**
     * @param word       what the user typed.
     * @param candidates the names the command knows.
     * @return the candidates within a small edit distance of {@code word} (a third of its length, at least 1 and at
     *         most 3), or that extend it ({@code --eng} for {@code --engines}), closest first; none when nothing is
     *         close, so that a stray word suggests nothing rather than an unrelated command.
     */
    static List<String> closeMatches(final String word, final List<String> candidates)
    {
        final String typed = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
        final String lower = typed.toLowerCase(Locale.ROOT);
        final int allowed = Math.clamp(lower.replaceFirst("^-+", "").length() / 3, 1, 3);
        final List<String> close = new ArrayList<>();
        int best = Integer.MAX_VALUE;
        for (final String candidate : candidates)
        {
            final String other = candidate.toLowerCase(Locale.ROOT);
            final int distance = other.startsWith(lower) && lower.replaceFirst("^-+", "").length() >= 3 ?
                0 : editDistance(lower, other);
            if (distance > allowed)
            {
                continue;
            }
            if (distance < best)
            {
                close.clear();
                best = distance;
            }
            if (distance == best)
            {
                close.add(candidate);
            }
        }
        return close;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
    static int editDistance(final String a, final String b)
    {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++)
        {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++)
        {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++)
        {
            for (int j = 1; j <= b.length(); j++)
            {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
