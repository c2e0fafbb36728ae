/**
 * Bandwidth and latency characterization of every path, trace replay and JMH. Filled by the bench issue.
 */
package io.kvpool.bench;
