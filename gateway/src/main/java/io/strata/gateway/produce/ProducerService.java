package io.strata.gateway.produce;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.RpcCalls;
import io.strata.common.error.StrataException;
import io.strata.common.net.StreamAnswers;
import io.strata.gateway.metrics.GatewayMetrics;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The public Producer API. {@code ProduceStream} pipelines: each request is forwarded as soon as
 * it arrives, except that a request waits for the previous one of the same partition (or, for
 * records the gateway places, for the previous such request of the topic), so each partition is
 * appended in stream order while different partitions overlap. A failed request is answered with
 * its error and the stream goes on.
 */
public final class ProducerService extends ProducerGrpc.ProducerImplBase {
    private final ProduceHandler handler;
    private final GatewayMetrics metrics;
    private final StreamAnswers.Group streams = new StreamAnswers.Group();

    public ProducerService(ProduceHandler handler, GatewayMetrics metrics) {
        this.handler = handler;
        this.metrics = metrics;
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        RpcCalls.async(observer, () -> timed(request));
    }

    /** Produces {@code request}, recording its outcome and latency. */
    private CompletableFuture<ProduceResponse> timed(ProduceRequest request) {
        long start = System.nanoTime();
        CompletableFuture<ProduceResponse> f;
        try {
            f = handler.produce(request);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((response, error) ->
                metrics.produced(error == null ? "OK" : StrataException.from(error).reason().name(), start));
    }

    /** Ends the open produce streams once their requests are answered; clients reopen them elsewhere. */
    public void endStreams() {
        streams.endAll();
    }

    @Override
    public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> observer) {
        StreamAnswers<ProduceResponse> answers = streams.answer(observer);
        return new StreamObserver<>() {
            /** The last request of each ordering key (topic and partition, or topic alone when the gateway places). */
            private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

            @Override
            public synchronized void onNext(ProduceRequest request) {
                answers.expect();
                String key = request.getTopic() + (request.hasPartition() ? "/" + request.getPartition() : "/*");
                CompletableFuture<Void> previous = tails.getOrDefault(key, CompletableFuture.completedFuture(null));
                CompletableFuture<Void> tail = previous.thenCompose(v -> timed(request).handle((response, error) -> {
                    answers.send(error == null ? response : ProduceResponse.newBuilder()
                            .setRequestId(request.getRequestId())
                            .setError(StrataException.from(error).toDetail()).build());
                    return null;
                }));
                tails.put(key, tail);
                tail.thenRun(() -> forget(key, tail));
            }

            private synchronized void forget(String key, CompletableFuture<Void> tail) {
                tails.remove(key, tail); // nothing newer waits on it: keeps the map as small as what is in flight
            }

            @Override
            public void onError(Throwable t) {
                answers.callerFailed(); // the client went away; pending appends finish on their own
            }

            @Override
            public void onCompleted() {
                answers.callerDone();
            }
        };
    }
}
