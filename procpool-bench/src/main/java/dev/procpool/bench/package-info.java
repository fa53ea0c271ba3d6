/**
 * Benchmarks: JMH benchmarks and the end-to-end comparison harness ({@code run-compare.sh},
 * {@link dev.procpool.bench.Compare}) behind docs/BENCHMARKS.md. Not published, <b>not API</b>.
 */
package dev.procpool.bench;
