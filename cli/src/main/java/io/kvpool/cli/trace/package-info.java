/**
 * Reading the Mooncake-format request traces that the demo and the benchmarks replay.
 */
package io.kvpool.cli.trace;
