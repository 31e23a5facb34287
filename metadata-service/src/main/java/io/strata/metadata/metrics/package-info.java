/**
 * The metadata service's metrics: its Raft peer ({@code strata_metadata_raft_*}), the cluster as the
 * controller sees it ({@code strata_metadata_nodes}, elections) and consumer groups
 * ({@code strata_group_*}: members, rebalances, committed offsets and lag). Group series come only
 * from the Raft leader, which also receives every storage node's heartbeat and so knows the high
 * watermarks lag is measured against; followers export none, so sums over peers do not count a
 * group three times.
 */
package io.strata.metadata.metrics;
