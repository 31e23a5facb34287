package io.strata.gateway.produce;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.RpcCalls;
import io.strata.common.error.StrataException;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import java.util.concurrent.CompletableFuture;

/**
 * The public Producer API. {@code ProduceStream} handles a stream's requests one after another,
 * so requests for one partition are appended in stream order; a failed request is answered
 * with its error and the stream goes on.
 */
public final class ProducerService extends ProducerGrpc.ProducerImplBase {
    private final ProduceHandler handler;

    public ProducerService(ProduceHandler handler) {
        this.handler = handler;
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        RpcCalls.async(observer, () -> handler.produce(request));
    }

    @Override
    public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> observer) {
        return new StreamObserver<>() {
            private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

            @Override
            public synchronized void onNext(ProduceRequest request) {
                tail = tail.thenCompose(v -> {
                    CompletableFuture<ProduceResponse> f;
                    try {
                        f = handler.produce(request);
                    } catch (RuntimeException e) {
                        f = CompletableFuture.failedFuture(e);
                    }
                    return f.handle((response, error) -> {
                        ProduceResponse out = error == null ? response : ProduceResponse.newBuilder()
                                .setRequestId(request.getRequestId())
                                .setError(StrataException.from(error).toDetail()).build();
                        synchronized (observer) {
                            observer.onNext(out);
                        }
                        return null;
                    });
                });
            }

            @Override
            public void onError(Throwable t) {
                // the client went away; pending appends finish on their own
            }

            @Override
            public synchronized void onCompleted() {
                tail.whenComplete((v, e) -> {
                    synchronized (observer) {
                        observer.onCompleted();
                    }
                });
            }
        };
    }
}
