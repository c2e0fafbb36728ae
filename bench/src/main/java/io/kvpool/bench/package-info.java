/**
 * {@code ./kvpool bench}: benchmarks of every data path (JMH suites under {@code jmh}; characterization and trace
 * replay arrive with the bench issue).
 */
package io.kvpool.bench;
