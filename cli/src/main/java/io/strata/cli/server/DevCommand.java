package io.strata.cli.server;

import io.strata.testkit.LocalCluster;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata dev}: a whole cluster in this process, on loopback, with data in a local folder. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run a local cluster in one process: 3 metadata peers, 3 storage nodes and 1 gateway on",
                "127.0.0.1. Prints 'gateway=HOST:PORT' once it accepts requests, then every member's",
                "Prometheus metrics URL ('metrics NAME=URL'). Ctrl-C stops it;",
                "starting it again on the same --data-dir keeps every topic, record and offset."})
public final class DevCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "strata-data", description = "Where all data lives (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--base-port", defaultValue = "" + LocalCluster.DEV_BASE_PORT,
            description = "Gateway port; metadata Raft uses +11.., metadata API +21.., storage +31..; metrics: gateway "
                    + "+40, metadata +51.., storage +61.. (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--storage-nodes", defaultValue = "3", description = "Number of storage nodes (default: ${DEFAULT-VALUE}).")
    int storageNodes;

    @Override
    public Integer call() {
        LocalCluster cluster = LocalCluster.builder().dataDir(dataDir.toAbsolutePath()).basePort(basePort)
                .storageNodes(storageNodes).metrics(true).build().start();
        // The one line scripts wait for; stdout is the CLI's, services log through SLF4J.
        System.out.println("strata dev cluster ready: gateway=" + cluster.gatewayAddress()
                + " data=" + cluster.dataDir() + " (Ctrl-C to stop)");
        cluster.metricsUrls().forEach((member, url) -> System.out.println("metrics " + member + "=" + url));
        System.out.flush();
        return ServerRunner.runUntilStopped(cluster);
    }
}
