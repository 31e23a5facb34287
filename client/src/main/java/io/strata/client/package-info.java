/**
 * The Strata Java client: {@link io.strata.client.producer.StrataProducer},
 * {@link io.strata.client.consumer.StrataConsumer} and {@link io.strata.client.admin.StrataAdmin},
 * plus what they share: the gateway address ({@link io.strata.client.Bootstrap}), the one
 * exception type ({@link io.strata.client.StrataClientException}, carrying the gateway's
 * {@link io.strata.proto.ErrorReason}) and channel creation ({@link io.strata.client.StrataChannels}).
 *
 * <p>Facts a user must not assume away:
 * <ul>
 *   <li>Each client object owns one plaintext gRPC channel to one gateway; gateways are stateless,
 *       any of them serves any request.</li>
 *   <li>The gateway processes Produce requests independently: ordering per partition holds only
 *       because the producer keeps one request in flight.</li>
 *   <li>Delivery is at-least-once: producer retries may duplicate; consumers commit after processing.</li>
 *   <li>Thread-safety: producer and admin are thread-safe; the consumer is single-threaded
 *       (except {@code wakeup()}).</li>
 * </ul>
 */
package io.strata.client;
