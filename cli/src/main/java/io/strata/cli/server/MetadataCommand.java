package io.strata.cli.server;

import io.strata.metadata.MetadataConfig;
import io.strata.metadata.MetadataServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata metadata}: one metadata-service peer. */
@Command(name = "metadata", mixinStandardHelpOptions = true,
        description = "Run one metadata-service peer (a member of the Raft group).")
public final class MetadataCommand implements Callable<Integer> {
    @Option(names = "--id", required = true, description = "This peer's id, one of those in --peers (e.g. m1).")
    String id;

    @Option(names = "--peers", required = true,
            description = "Every peer: ID=RAFT_HOST:PORT/API_HOST:PORT, comma-separated.")
    String peers;

    @Option(names = "--data-dir", required = true, description = "Directory for the Raft log and snapshots.")
    Path dataDir;

    @Option(names = "--api-bind", description = "Listen address of the API (default: this peer's API address in --peers; "
            + "use 0.0.0.0:PORT in containers).")
    String apiBind;

    @Option(names = "--snapshot-every", defaultValue = "" + MetadataConfig.DEFAULT_SNAPSHOT_EVERY,
            description = "Snapshot every N Raft entries (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--node-lease-ms", description = "A storage node silent this long is fenced and its "
            + "partitions get new leaders (default: 2500).")
    Long nodeLeaseMs;

    @Option(names = "--group-heartbeat-ms", description = "How often consumer-group members heartbeat (at most a "
            + "third of their session timeout); a rebalance step waits up to this long (default: 1000).")
    Long groupHeartbeatMs;

    @picocli.CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() {
        MetadataConfig config = MetadataConfig.of(id, MetadataConfig.parsePeers(peers), dataDir)
                .withSnapshotEvery(snapshotEvery).withMetrics(metrics.settings());
        if (nodeLeaseMs != null) {
            config = config.withNodeLease(java.time.Duration.ofMillis(nodeLeaseMs));
        }
        if (groupHeartbeatMs != null) {
            config = config.withGroupHeartbeatInterval(java.time.Duration.ofMillis(groupHeartbeatMs));
        }
        if (apiBind != null) {
            config = config.withApiBind(io.strata.common.net.HostPort.parse(apiBind));
        }
        return ServerRunner.runUntilStopped(new MetadataServer(config).start());
    }
}
