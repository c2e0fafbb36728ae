package io.kvpool.client.trace;

/**
 * A malformed trace line, with its line number.
 */
public final class TraceFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    public TraceFormatException(final String message, final int lineNumber)
    {
        super(message);
        this.lineNumber = lineNumber;
    }

    /**
     * @return the 1-based line that could not be parsed.
     */
    public int lineNumber()
    {
        return lineNumber;
    }
}
