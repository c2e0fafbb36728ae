package io.kvpool.cli.trace;

/**
 * A trace that cannot be read as Mooncake JSON lines: a malformed line (which a reader may skip), or a file that is
 * not UTF-8 text at all (which no reader can go past). Carries the line number.
 */
public final class TraceFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int lineNumber;
    private final boolean lineSkippable;

    /**
     * @param message       "source:line: what is wrong".
     * @param lineNumber    the 1-based line.
     * @param lineSkippable whether {@link MooncakeTrace.OnMalformed#SKIP} would have gone past it.
     */
    public TraceFormatException(final String message, final int lineNumber, final boolean lineSkippable)
    {
        super(message);
        this.lineNumber = lineNumber;
        this.lineSkippable = lineSkippable;
    }

    /**
     * @return the 1-based line that could not be parsed.
     */
    public int lineNumber()
    {
        return lineNumber;
    }

    /**
     * @return true for one malformed line (skipping goes on with the next), false for a file that is not text.
     */
    public boolean lineSkippable()
    {
        return lineSkippable;
    }
}
