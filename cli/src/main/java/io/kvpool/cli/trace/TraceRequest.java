package io.kvpool.cli.trace;

/**
 * One request of a Mooncake-format trace.
 *
 * @param timestampMs  arrival time in milliseconds from the start of the trace.
 * @param inputLength  prompt tokens.
 * @param outputLength generated tokens.
 * @param hashIds      ids of the request's prefix blocks (512 tokens each in Mooncake's traces), in order; equal
 *                     ids in two requests mean the same prefix (reusable KV).
 * @param lineNumber   1-based line in the trace file.
 */
public record TraceRequest(long timestampMs, int inputLength, int outputLength, long[] hashIds, int lineNumber)
{
}
