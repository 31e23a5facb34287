package io.strata.cli.server;

import io.strata.common.net.HostPort;
import io.strata.gateway.GatewayConfig;
import io.strata.gateway.GatewayServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code strata gateway}: one gateway. */
@Command(name = "gateway", mixinStandardHelpOptions = true, description = "Run one gateway (the public API).")
public final class GatewayCommand implements Callable<Integer> {
    @Option(names = "--bind", defaultValue = "127.0.0.1:9400", description = "Listen address (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--metadata", required = true, description = "Metadata API addresses, HOST:PORT comma-separated.")
    String metadata;

    @picocli.CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() {
        GatewayConfig config = GatewayConfig.of(HostPort.parse(bind), HostPort.parseList(metadata))
                .withMetrics(metrics.settings());
        return ServerRunner.runUntilStopped(new GatewayServer(config).start());
    }
}
