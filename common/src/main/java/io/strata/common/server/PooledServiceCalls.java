package io.strata.common.server;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the calls of one service off a server that runs calls on its transport threads: each
 * call's callbacks run in order on a thread pool, inside the call's gRPC context, as gRPC's own
 * call executor would run them.
 *
 * <p>Why not gRPC's per-service executor choice ({@code callExecutor})? With it, gRPC hands every
 * call of every service to its pool once to look the method up, so even the services meant to
 * run inline paid a thread hand-off per call. Running the server inline and moving only the
 * blocking services costs those services the hand-off, and no one else.
 */
final class PooledServiceCalls {
    private static final Logger LOG = LoggerFactory.getLogger(PooledServiceCalls.class);

    private PooledServiceCalls() {
    }

    /** {@code service} with every call's callbacks running on {@code pool}, one at a time per call. */
    static ServerServiceDefinition on(ServerServiceDefinition service, Executor pool) {
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(service.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            out.addMethod(pooled(method, pool));
        }
        return out.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> pooled(ServerMethodDefinition<Q, R> method, Executor pool) {
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        return method.withServerCallHandler((call, headers) ->
                new PooledListener<>(call, headers, handler, MoreExecutors.newSequentialExecutor(pool)));
    }

    /** Forwards each callback to the handler's own listener on the call's sequential executor. */
    private static final class PooledListener<Q, R> extends ServerCall.Listener<Q> {
        private final ServerCall<Q, R> call;
        private final Executor serial;
        private final Context context = Context.current();
        /** Set by the first task; read only by later tasks of the same sequential executor. */
        private ServerCall.Listener<Q> delegate;

        PooledListener(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> handler, Executor serial) {
            this.call = call;
            this.serial = serial;
            serial.execute(context.wrap(() -> {
                try {
                    delegate = handler.startCall(call, headers);
                } catch (RuntimeException | Error e) {
                    fail(e);
                }
            }));
        }

        private void run(java.util.function.Consumer<ServerCall.Listener<Q>> callback) {
            serial.execute(context.wrap(() -> {
                if (delegate == null) {
                    return; // startCall failed and closed the call
                }
                try {
                    callback.accept(delegate);
                } catch (RuntimeException | Error e) {
                    fail(e);
                }
            }));
        }

        /** What gRPC does when a handler throws: the call ends with UNKNOWN, the server keeps going. */
        private void fail(Throwable e) {
            LOG.warn("{} failed in its handler", call.getMethodDescriptor().getFullMethodName(), e);
            delegate = null;
            try {
                call.close(Status.UNKNOWN.withDescription("application error processing RPC").withCause(e),
                        new Metadata());
            } catch (IllegalStateException alreadyClosed) {
                // the handler closed the call before it threw
            }
        }

        @Override
        public void onMessage(Q message) {
            run(l -> l.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            run(ServerCall.Listener::onHalfClose);
        }

        @Override
        public void onCancel() {
            run(ServerCall.Listener::onCancel);
        }

        @Override
        public void onComplete() {
            run(ServerCall.Listener::onComplete);
        }

        @Override
        public void onReady() {
            run(ServerCall.Listener::onReady);
        }
    }
}
