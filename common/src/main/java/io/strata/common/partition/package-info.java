/**
 * Choice of partition for a record: keyed records by Kafka's murmur2 rule ({@link
 * io.strata.common.partition.Murmur2Partitioner}, stateless), un-keyed records sticky per batch
 * ({@link io.strata.common.partition.StickyPartitioner}, thread-safe, one per topic).
 */
package io.strata.common.partition;
