/**
 * {@link io.strata.client.admin.StrataAdmin}: blocking, thread-safe wrappers over the {@code Admin}
 * service returning its protobuf messages; failures are {@link io.strata.client.StrataClientException}.
 */
package io.strata.client.admin;
