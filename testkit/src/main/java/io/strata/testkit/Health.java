package io.strata.testkit;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import java.util.concurrent.TimeUnit;

/** Asks a member's gRPC health service, as a Kubernetes probe does. */
public final class Health {
    private Health() {
    }

    /** What the server at {@code address} answers for {@code service} ("" is the server as a whole). */
    public static ServingStatus status(HostPort address, String service) {
        ManagedChannel channel = Channels.open(address);
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
        } finally {
            Channels.close(channel);
        }
    }
}
