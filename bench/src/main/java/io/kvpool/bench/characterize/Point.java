package io.kvpool.bench.characterize;

/**
 * One measured point of a characterization, as a CSV row and a JSON object (field names are the keys).
 *
 * @param kind       "bandwidth", "latency" (idle, pointer chasing) or "loaded-latency" (chasing while the other
 *                   threads copy on the same path).
 * @param path       "dram", "region", "aeron-udp", "gpu-h2d", "gpu-d2h".
 * @param op         "read", "write", "copy", "get" or "chase".
 * @param pattern    "sequential" or "random".
 * @param sizeBytes  access size (bandwidth) or working set (latency).
 * @param threads    threads issuing the accesses.
 * @param gbPerSecond bandwidth, 1e9 bytes per second (NaN for latency points).
 * @param latencyNsP50 median latency in nanoseconds (NaN for bandwidth points of memory paths).
 * @param latencyNsP99 99th percentile latency in nanoseconds (NaN where not measured).
 */
public record Point(
    String kind, String path, String op, String pattern, long sizeBytes, int threads, double gbPerSecond,
    double latencyNsP50, double latencyNsP99)
{
    /** CSV header, in the order of {@link #csv()}. */
    public static final String CSV_HEADER =
        "kind,path,op,pattern,size_bytes,threads,gb_per_s,latency_ns_p50,latency_ns_p99";

    public static Point bandwidth(
        final String path, final String op, final String pattern, final long sizeBytes, final int threads,
        final double gbPerSecond)
    {
        return new Point("bandwidth", path, op, pattern, sizeBytes, threads, gbPerSecond, Double.NaN, Double.NaN);
    }

    /**
     * @return the point as one CSV line (empty cells for NaN).
     */
    public String csv()
    {
        return String.join(",", kind, path, op, pattern, Long.toString(sizeBytes), Integer.toString(threads),
            cell(gbPerSecond), cell(latencyNsP50), cell(latencyNsP99));
    }

    private static String cell(final double value)
    {
        return Double.isNaN(value) ? "" : String.format(java.util.Locale.ROOT, "%.3f", value);
    }
}
