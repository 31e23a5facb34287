package io.strata.cli.fault;

import io.strata.cli.Strata;
import java.nio.file.Path;
import java.util.List;

/**
 * The command that runs the {@code strata} launcher in a JVM of its own, on this test's class
 * path, for the multi-process fault tests. Small heaps and a quick JIT, since a test runs a
 * whole cluster of these on a machine of two cores.
 */
final class StrataLauncher {
    private StrataLauncher() {
    }

    static List<String> command() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Strata.class.getName());
    }
}
