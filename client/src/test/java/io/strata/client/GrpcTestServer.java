package io.strata.client;

import com.google.protobuf.Any;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** A real gRPC server on 127.0.0.1 (ephemeral port) hosting fake services for client tests. */
public final class GrpcTestServer implements AutoCloseable {

    private final Server server;

    private GrpcTestServer(Server server) {
        this.server = server;
    }

    public static GrpcTestServer start(BindableService... services) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        for (BindableService s : services) {
            builder.addService(s);
        }
        try {
            return new GrpcTestServer(builder.build().start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Bootstrap bootstrap() {
        return new Bootstrap("127.0.0.1", server.getPort());
    }

    /** A status exception as a Strata gateway sends it: code, message, and an ErrorDetail. */
    public static StatusRuntimeException error(Status.Code code, ErrorReason reason, String message) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message)
                .addDetails(Any.pack(ErrorDetail.newBuilder().setReason(reason).setMessage(message).build()))
                .build());
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
