package io.strata.cli.fault;

import io.strata.testkit.chaos.ChaosRun;
import io.strata.testkit.checker.RunSummary;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The long fault-injection run, outside {@code mvn verify}: random faults of every kind (including
 * rolling restarts) for {@code -Dchaos.minutes} (default 30), with a seed from
 * {@code -Dchaos.seed} (default: the time) so that a failing run can be repeated:
 *
 * <pre>
 * mvn -B -ntp -Pchaos -pl cli -am verify -Dchaos.minutes=30 [-Dchaos.seed=42]
 * </pre>
 *
 * Prints a line starting with {@code CHAOS} with the summary; results in {@code cli/target/chaos/soak-<time>/}.
 */
class ChaosSoak {
    @Test
    void randomFaultsLoseNoAcknowledgedWrite() {
        long minutes = Long.getLong("chaos.minutes", 30);
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        RunSummary summary = new ChaosRun("soak", StrataLauncher.command(), Path.of("target", "chaos"))
                .randomFaultsFor(Duration.ofMinutes(minutes), seed)
                .holdMs(5_000)
                .run();
        summary.assertPassed();
    }
}
