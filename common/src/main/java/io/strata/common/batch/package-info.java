/**
 * Record batches: Strata's unit of append, replication, storage and read, in the Kafka
 * RecordBatch v2 (magic 2) layout, byte-compatible with Kafka clients ({@link
 * io.strata.common.batch.BatchLayout} documents the header; the package-private RecordDecoder
 * the record layout).
 *
 * <ul>
 *   <li>{@link io.strata.common.batch.RecordBatchBuilder} encodes records into one batch
 *       (baseOffset 0, CRC-32C set);</li>
 *   <li>{@link io.strata.common.batch.RecordBatch} is a zero-copy view of one batch: header
 *       accessors, {@code ensureValid()}, in-place {@code setBaseOffset}/{@code
 *       setPartitionLeaderEpoch} (outside the CRC), lazy record decoding;</li>
 *   <li>{@link io.strata.common.batch.RecordBatches} walks consecutive batches in a log region or
 *       response and stops cleanly at a torn final batch;</li>
 *   <li>{@link io.strata.common.batch.Compression} compresses the records section (gzip, snappy,
 *       lz4, zstd) in Kafka's stream formats.</li>
 * </ul>
 *
 * <p>Bytes from the network or disk are untrusted: every length is checked before use, and
 * failures are {@link io.strata.common.batch.CorruptBatchException}s that name the batch and
 * the expected versus actual value. Value types ({@link io.strata.common.batch.Record}, {@link
 * io.strata.common.batch.Header}) are immutable; builders and iterators are single-threaded;
 * views may be read concurrently but not mutated concurrently.
 */
package io.strata.common.batch;
