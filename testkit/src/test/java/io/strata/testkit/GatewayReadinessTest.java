package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import io.strata.common.server.GrpcServer;
import io.strata.gateway.GatewayConfig;
import io.strata.gateway.GatewayServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gateway's readiness: live at once, ready only once it holds a metadata image (real servers, loopback). */
class GatewayReadinessTest {
    @TempDir
    Path dataDir;

    @Test
    void aGatewayWithoutMetadataIsLiveButNotReady() throws Exception {
        HostPort nobody = new HostPort("127.0.0.1", FreePorts.find(1)[0]); // no metadata service listens here
        GatewayServer gateway = new GatewayServer(GatewayConfig.of(new HostPort("127.0.0.1", 0), List.of(nobody)))
                .start();
        try {
            Thread.sleep(500); // time the watch would need on loopback, had anything answered
            assertEquals(ServingStatus.SERVING, Health.status(gateway.address(), ""));
            assertEquals(ServingStatus.NOT_SERVING, Health.status(gateway.address(), GrpcServer.READINESS));
        } finally {
            gateway.close();
        }
    }

    @Test
    void aGatewayOfARunningClusterIsReady() {
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dataDir).storageNodes(1).build().start()) {
            cluster.await("the gateway ready", 30_000,
                    () -> Health.status(cluster.gatewayAddress(), GrpcServer.READINESS) == ServingStatus.SERVING);
        }
    }
}
