/**
 * The group consumer: {@link io.strata.client.consumer.StrataConsumer} runs one
 * {@code Consumer.Subscribe} stream per group session ({@code SubscribeSession}: request ids,
 * pending futures, pushed assignments). Not thread-safe apart from {@code wakeup()} and
 * {@code assignment()}; requests on a session are answered in order.
 */
package io.strata.client.consumer;
