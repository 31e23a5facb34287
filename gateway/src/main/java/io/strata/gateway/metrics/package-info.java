/** The gateway's own metrics ({@code strata_gateway_*}): routing retries and open consumer sessions. */
package io.strata.gateway.metrics;
