package io.kvpool.cli.trace;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MooncakeTraceTest
{
    private static final String GOOD_1 =
        "{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 12, \"hash_ids\": [1, 2]}";
    private static final String GOOD_2 =
        "{\"timestamp\": 27, \"input_length\": 1536, \"output_length\": 3, \"hash_ids\": [1, 2, 3], \"x\": {\"y\": 1}}";

    @Test
    void shouldReadEveryFieldAndIgnoreUnknownOnes()
    {
        final List<TraceRequest> requests = read(GOOD_1 + "\n\n" + GOOD_2 + "\n", MooncakeTrace.OnMalformed.STOP,
            new ArrayList<>());
        assertEquals(2, requests.size());
        assertEquals(0, requests.get(0).timestampMs());
        assertEquals(1024, requests.get(0).inputLength());
        assertEquals(12, requests.get(0).outputLength());
        assertArrayEquals(new long[]{1, 2}, requests.get(0).hashIds());
        assertEquals(1, requests.get(0).lineNumber());
        assertEquals(27, requests.get(1).timestampMs());
        assertArrayEquals(new long[]{1, 2, 3}, requests.get(1).hashIds());
        assertEquals(3, requests.get(1).lineNumber(), "blank lines count in the numbering");
    }

    @Test
    void shouldStopAtAMalformedLineNamingItsNumber()
    {
        final String text = GOOD_1 + "\n" + GOOD_2 + "\n{\"timestamp\": 5, \"input_length\": 10}\n" + GOOD_1 + "\n";
        final TraceFormatException ex = assertThrows(TraceFormatException.class,
            () -> read(text, MooncakeTrace.OnMalformed.STOP, new ArrayList<>()));
        assertEquals(3, ex.lineNumber());
        assertTrue(ex.getMessage().startsWith("test.jsonl:3: missing timestamp, input_length or hash_ids"),
            ex.getMessage());
    }

    @Test
    void shouldSkipMalformedLinesReportingEach()
    {
        final String text = String.join("\n", GOOD_1, "not json", "{\"timestamp\": -1, \"input_length\": 1, " +
            "\"hash_ids\": []}", "{\"timestamp\": 1, \"input_length\": 1, \"hash_ids\": [1, \"a\"]}",
            "{\"timestamp\": 1, \"input_length\": 1, \"hash_ids\": [1]} trailing", GOOD_2);
        final List<String> warnings = new ArrayList<>();
        final List<TraceRequest> requests = read(text, MooncakeTrace.OnMalformed.SKIP, warnings);
        assertEquals(List.of(1, 6), requests.stream().map(TraceRequest::lineNumber).toList());
        assertEquals(4, warnings.size(), warnings.toString());
        // One line each, without the parser's own location ("at [Source: ...]"): the line number says where.
        assertTrue(warnings.stream().noneMatch(warning -> warning.contains("\n") || warning.contains("[Source")),
            warnings.toString());
        assertTrue(warnings.get(0).startsWith("test.jsonl:2: Unrecognized token 'not'"), warnings.get(0));
        assertTrue(warnings.get(1).equals("test.jsonl:3: timestamp=-1 is negative"), warnings.get(1));
        assertTrue(warnings.get(2).equals("test.jsonl:4: hash_ids holds a non-integer"), warnings.get(2));
        assertTrue(warnings.get(3).startsWith("test.jsonl:5: "), warnings.get(3));
    }

    @Test
    void shouldShipTheSampleOfAThousandRequests()
    {
        final List<TraceRequest> sample = MooncakeTrace.sample();
        assertEquals(1000, sample.size());
        assertEquals(1, sample.getFirst().lineNumber());
        assertTrue(sample.stream().allMatch(r -> r.hashIds().length > 0 &&
            r.hashIds().length == (r.inputLength() + 511) / 512), "one hash id per started 512-token block");
    }

    private static List<TraceRequest> read(
        final String text, final MooncakeTrace.OnMalformed policy, final List<String> warnings)
    {
        return MooncakeTrace.read(new BufferedReader(new StringReader(text)), "test.jsonl", policy, warnings::add);
    }
}
