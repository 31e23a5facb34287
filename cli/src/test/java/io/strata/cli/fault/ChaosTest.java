package io.strata.cli.fault;

import io.strata.testkit.chaos.ChaosRun;
import io.strata.testkit.checker.RunSummary;
import io.strata.testkit.fault.Fault;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The bounded fault-injection run of {@code mvn verify} (about three minutes): one cluster of
 * real processes (3 metadata peers, 3 storage nodes, 2 gateways) under acks=all writers through
 * both gateways, and one fault of each kind in turn, each held and recovered and the cluster
 * healed before the next: kill -9 of a partition leader, of the metadata Raft leader and of a
 * follower peer, of a gateway, a SIGSTOP longer than the lease and a network partition of a
 * partition leader. (Rolling restarts are {@link RollingRestartTest}.) History, fault log,
 * summary and per-process logs are in {@code cli/target/chaos/}.
 */
class ChaosTest {
    @Test
    void noAcknowledgedWriteIsLostOrReorderedAndReplicasAgreeThroughOneFaultOfEachKind() {
        RunSummary summary = new ChaosRun("ci", StrataLauncher.command(), Path.of("target", "chaos"))
                .faults(Fault.KILL_STORAGE, Fault.PARTITION_STORAGE, Fault.KILL_METADATA_LEADER, Fault.KILL_GATEWAY,
                        Fault.PAUSE_STORAGE, Fault.KILL_METADATA_FOLLOWER)
                .holdMs(3_000)
                .run();
        summary.assertPassed();
    }
}
