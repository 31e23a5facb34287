/**
 * The storage node's own metrics (Prometheus names {@code strata_storage_*}): what it appends and
 * serves, its logs, its leaderships, ISR changes and follower lag. Counters move once per request
 * (never per record) through meters cached per replica; everything that is a state rather than an
 * event (log sizes, lag, leader counts) is read from the replicas on a timer, off the data path.
 */
package io.strata.storage.metrics;
