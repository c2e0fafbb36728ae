package io.kvpool.cli.trace;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kvpool.client.BlockKeys;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads Mooncake-format traces: JSON lines of {@code timestamp} (ms), {@code input_length}, {@code output_length}
 * and {@code hash_ids} (the request's prefix-block ids). Unknown fields are ignored. A malformed line is reported
 * with its line number; the caller chooses to skip it or to stop. A reader that is not UTF-8 text (a binary or
 * compressed file, read through a strict decoder such as {@code Files.newBufferedReader}) always stops, saying so.
 * Stateless; thread-safe.
 */
public final class MooncakeTrace
{
    /** Class-path resource of the shipped sample: the first 1,000 requests of Mooncake's conversation trace. */
    public static final String SAMPLE = "/traces/mooncake-conversation-sample.jsonl";
    private static final JsonFactory JSON = new JsonFactory();

    /** What to do with a malformed line. */
    public enum OnMalformed
    {
        /** Report it to the warning consumer and go on. */
        SKIP,
        /** Throw {@link TraceFormatException}. */
        STOP
    }

    private MooncakeTrace()
    {
    }

    /**
     * @param reader   the trace text.
     * @param source   its name, for messages.
     * @param policy   skip or stop at a malformed line.
     * @param warnings receives "source:line: problem" for each skipped line.
     * @return the requests, in file order.
     * @throws TraceFormatException with the line number, when the policy is STOP, or when the text is not UTF-8.
     */
    public static List<TraceRequest> read(
        final BufferedReader reader, final String source, final OnMalformed policy, final Consumer<String> warnings)
    {
        final List<TraceRequest> requests = new ArrayList<>();
        int lineNumber = 0;
        try
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                lineNumber++;
                if (line.isBlank())
                {
                    continue;
                }
                try
                {
                    if (line.indexOf('\0') >= 0)
                    {
                        throw new IllegalArgumentException("binary data (a NUL byte), not JSON text: is this a " +
                            "compressed or binary file?");
                    }
                    requests.add(parse(line, lineNumber));
                }
                catch (final IOException | IllegalArgumentException ex)
                {
                    // Jackson's own message adds its location on a second line ("at [Source: REDACTED ...]");
                    // the line number here says where.
                    final String message = source + ":" + lineNumber + ": " +
                        (ex instanceof JsonProcessingException json ? json.getOriginalMessage() : ex.getMessage());
                    if (policy == OnMalformed.STOP)
                    {
                        throw new TraceFormatException(message, lineNumber, true);
                    }
                    warnings.accept(message);
                }
            }
        }
        catch (final CharacterCodingException ex)
        {
            // The decoder stops at the first byte that is not UTF-8: nothing after it can be read as lines.
            throw new TraceFormatException(source + ":" + (lineNumber + 1) + ": not UTF-8 text (" + ex.getMessage() +
                "): a Mooncake trace is JSON lines in UTF-8; is this a compressed or binary file?", lineNumber + 1,
                false);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("reading " + source + " at line " + (lineNumber + 1) + ": " + ex, ex);
        }
        return requests;
    }

    /**
     * @return the shipped sample's requests (its README says where it comes from).
     */
    public static List<TraceRequest> sample()
    {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
            MooncakeTrace.class.getResourceAsStream(SAMPLE), StandardCharsets.UTF_8)))
        {
            return read(reader, "sample", OnMalformed.STOP, warning ->
            {
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Block keys of a request's first {@code count} prefix blocks: a SHA-256 digest per id. The trace's ids already
     * encode the chain (equal ids mean equal prefixes), so the digest of the id is the block's key.
     */
    public static BlockKeys keys(final long[] hashIds, final int count)
    {
        try
        {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            final byte[] packed = new byte[count * BlockKeys.KEY_BYTES];
            final ByteBuffer id = ByteBuffer.allocate(16);
            for (int i = 0; i < count; i++)
            {
                id.clear();
                id.putLong(0x6D6F6F6E63616B65L).putLong(hashIds[i]);
                sha.update(id.array());
                System.arraycopy(sha.digest(), 0, packed, i * BlockKeys.KEY_BYTES,
                    BlockKeys.KEY_BYTES);
            }
            return BlockKeys.ofPacked(packed);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static TraceRequest parse(final String line, final int lineNumber) throws IOException
    {
        long timestamp = -1;
        int input = -1;
        int output = -1;
        long[] hashIds = null;
        try (JsonParser parser = JSON.createParser(line))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                final String field = parser.currentName();
                final JsonToken value = parser.nextToken();
                switch (field)
                {
                    case "timestamp" -> timestamp = number(parser, value, field);
                    case "input_length" -> input = (int)number(parser, value, field);
                    case "output_length" -> output = (int)number(parser, value, field);
                    case "hash_ids" -> hashIds = ids(parser, value);
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null)
            {
                throw new IllegalArgumentException("trailing text after the JSON object");
            }
        }
        if (timestamp < 0 || input < 0 || hashIds == null)
        {
            throw new IllegalArgumentException("missing timestamp, input_length or hash_ids");
        }
        return new TraceRequest(timestamp, input, Math.max(output, 0), hashIds, lineNumber);
    }

    private static long number(final JsonParser parser, final JsonToken value, final String field)
        throws IOException
    {
        if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT)
        {
            throw new IllegalArgumentException(field + " is not a number");
        }
        final long number = parser.getValueAsLong();
        if (number < 0)
        {
            throw new IllegalArgumentException(field + "=" + number + " is negative");
        }
        return number;
    }

    private static long[] ids(final JsonParser parser, final JsonToken value) throws IOException
    {
        if (value != JsonToken.START_ARRAY)
        {
            throw new IllegalArgumentException("hash_ids is not an array");
        }
        long[] ids = new long[16];
        int count = 0;
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY)
        {
            if (token != JsonToken.VALUE_NUMBER_INT)
            {
                throw new IllegalArgumentException("hash_ids holds a non-integer");
            }
            if (count == ids.length)
            {
                ids = Arrays.copyOf(ids, count * 2);
            }
            ids[count++] = parser.getLongValue();
        }
        return Arrays.copyOf(ids, count);
    }
}
