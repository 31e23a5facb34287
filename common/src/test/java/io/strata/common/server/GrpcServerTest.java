package io.strata.common.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ServerCalls;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which thread runs a call, and what health answers, on a real server over loopback. */
class GrpcServerTest {
    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private GrpcServer server;
    private ManagedChannel channel;

    private static MethodDescriptor<String, String> method(String service, String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }

    /** A service whose {@code Where} answers the handler's thread and whether the call's deadline is visible. */
    private static BindableService service(String name) {
        ServerServiceDefinition definition = ServerServiceDefinition.builder(name)
                .addMethod(method(name, "Where"), ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(Thread.currentThread().getName() + " deadline=" + (Context.current().getDeadline() != null));
                    response.onCompleted();
                }))
                .addMethod(method(name, "Throw"), ServerCalls.<String, String>asyncUnaryCall((request, response) -> {
                    throw new IllegalStateException("handler bug");
                }))
                .build();
        return () -> definition;
    }

    @BeforeEach
    void start() {
        server = new GrpcServer("test server", new HostPort("127.0.0.1", 0), 1 << 20,
                List.of(service("test.Inline"), service("test.Pooled")), List.of(), Set.of("test.Inline")).start();
        channel = Channels.open(new HostPort("127.0.0.1", server.port()));
    }

    @AfterEach
    void stop() {
        Channels.close(channel);
        server.close();
    }

    private String call(String service, String name) {
        return ClientCalls.blockingUnaryCall(channel, method(service, name),
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "?");
    }

    @Test
    void inlineServicesRunOnTheTransportThreadsAndTheOthersOnTheServersPool() {
        String inline = call("test.Inline", "Where");
        String pooled = call("test.Pooled", "Where");

        assertFalse(inline.contains("-calls-"), inline);
        assertTrue(pooled.startsWith("test-server-calls-"), pooled);
        assertTrue(pooled.endsWith("deadline=true"), "the pooled handler runs in the call's context: " + pooled);
    }

    @Test
    void aPooledHandlerThatThrowsEndsItsCallWithUnknownAndTheServerKeepsServing() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("test.Pooled", "Throw"));
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertTrue(call("test.Pooled", "Where").startsWith("test-server-calls-"));
    }

    private ServingStatus health(String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    @Test
    void aServerStartedUnreadyIsLiveButNotReadyUntilItSaysSo() {
        Channels.close(channel);
        server.close();
        server = new GrpcServer("test server", new HostPort("127.0.0.1", 0), 1 << 20, List.of(service("test.Pooled")))
                .startUnready();
        channel = Channels.open(new HostPort("127.0.0.1", server.port()));

        assertEquals(ServingStatus.SERVING, health(""));
        assertEquals(ServingStatus.NOT_SERVING, health(GrpcServer.READINESS));
        server.ready(true);
        assertEquals(ServingStatus.SERVING, health(GrpcServer.READINESS));
        server.ready(false);
        assertEquals(ServingStatus.NOT_SERVING, health(GrpcServer.READINESS));
    }

    @Test
    void aServerStartedPlainlyIsReadyAtOnce() {
        assertEquals(ServingStatus.SERVING, health(GrpcServer.READINESS));
    }
}
