/**
 * The producer: {@link io.strata.client.producer.StrataProducer} queues records in a per-topic
 * {@code RecordAccumulator} (bounded: {@code send} blocks when full) and one sender thread turns
 * ready batches into structured {@code Produce} requests, one in flight at a time, completing each
 * record's future on that thread.
 */
package io.strata.client.producer;
