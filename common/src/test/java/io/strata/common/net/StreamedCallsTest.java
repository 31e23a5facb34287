package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.common.error.StrataException;
import io.strata.common.server.GrpcServer;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamedCalls} against a real server over loopback whose stream answers with
 * {@link StreamAnswers}: each request's topic says what the server does with it — "echo" answers
 * at once, "fail" answers with an in-band error, "hold" answers only when the test releases it.
 */
class StreamedCallsTest {
    private final Map<String, CompletableFuture<Void>> held = new ConcurrentHashMap<>();
    private final AtomicInteger streams = new AtomicInteger();
    private final StreamAnswers.Group group = new StreamAnswers.Group();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private GrpcServer server;
    private ManagedChannel channel;
    private StreamedCalls<ProduceRequest, ProduceResponse> calls;

    private final ProducerGrpc.ProducerImplBase service = new ProducerGrpc.ProducerImplBase() {
        @Override
        public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> observer) {
            streams.incrementAndGet();
            StreamAnswers<ProduceResponse> answers = group.answer(observer);
            return new StreamObserver<>() {
                @Override
                public void onNext(ProduceRequest request) {
                    answers.expect();
                    ProduceResponse.Builder answer = ProduceResponse.newBuilder().setRequestId(request.getRequestId());
                    switch (request.getTopic()) {
                        case "fail" -> answers.send(answer.setError(ErrorDetail.newBuilder()
                                .setReason(ErrorReason.NOT_LEADER).setMessage("moved")).build());
                        case "hold" -> held.computeIfAbsent(request.getPartition() + "", k -> new CompletableFuture<>())
                                .thenRun(() -> answers.send(answer.build()));
                        default -> answers.send(answer.build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    answers.callerFailed();
                }

                @Override
                public void onCompleted() {
                    answers.callerDone();
                }
            };
        }
    };

    @BeforeEach
    void start() {
        server = new GrpcServer("test server", new HostPort("127.0.0.1", 0), 1 << 20, List.of(service)).start();
        channel = Channels.open(new HostPort("127.0.0.1", server.port()));
        ProducerGrpc.ProducerStub stub = ProducerGrpc.newStub(channel);
        calls = new StreamedCalls<>(stub::produceStream, ProduceResponse::getRequestId,
                r -> r.hasError() ? r.getError() : null, timers);
    }

    @AfterEach
    void stop() {
        calls.reset("test over"); // an open stream would hold the channel's shutdown
        Channels.close(channel);
        server.close();
        timers.shutdownNow();
    }

    private static ProduceRequest request(String topic, int partition, long id) {
        return ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setRequestId(id).build();
    }

    private CompletableFuture<ProduceResponse> call(String topic, int partition, long timeoutMs) {
        return calls.call(id -> request(topic, partition, id), TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void answersInAnyOrderReachTheirOwnRequestsAndAnInBandErrorFailsOnlyItsOwn() throws Exception {
        CompletableFuture<ProduceResponse> first = call("hold", 1, 10_000);
        CompletableFuture<ProduceResponse> second = call("hold", 2, 10_000);
        CompletableFuture<ProduceResponse> failed = call("fail", 0, 10_000);
        assertEquals(ErrorReason.NOT_LEADER, assertInstanceOf(StrataException.class, failure(failed)).reason());

        held.get("2").complete(null);
        long secondId = second.get(10, TimeUnit.SECONDS).getRequestId();
        assertFalse(first.isDone());
        held.get("1").complete(null);
        assertTrue(first.get(10, TimeUnit.SECONDS).getRequestId() < secondId);
        assertEquals(1, streams.get(), "every request went over one stream");
    }

    @Test
    void aCancelledRequestIsForgottenAndItsLateAnswerDropped() throws Exception {
        CompletableFuture<ProduceResponse> cancelled = call("hold", 1, 10_000);
        while (!held.containsKey("1")) {
            Thread.sleep(5);
        }
        cancelled.cancel(false);
        held.get("1").complete(null);
        assertEquals(2, call("echo", 0, 10_000).get(10, TimeUnit.SECONDS).getRequestId(), "answered in its turn");
        assertEquals(1, streams.get(), "a cancelled request does not disturb the stream");
    }

    @Test
    void aRequestUnansweredInTimeFailsAndResetsTheStreamSoTheOthersWaitingFailRetriably() throws Exception {
        CompletableFuture<ProduceResponse> waiting = call("hold", 1, 10_000);
        CompletableFuture<ProduceResponse> stuck = call("hold", 2, 200);

        StatusRuntimeException late = assertInstanceOf(StatusRuntimeException.class, failure(stuck));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
        StatusRuntimeException reset = assertInstanceOf(StatusRuntimeException.class, failure(waiting));
        assertEquals(Status.Code.UNAVAILABLE, reset.getStatus().getCode());
        assertTrue(reset.getStatus().getDescription().contains("no answer within 200 ms"), reset.toString());

        call("echo", 0, 10_000).get(10, TimeUnit.SECONDS);
        assertEquals(2, streams.get(), "the next request opened a new stream");
    }

    @Test
    void theServerEndsItsSideOnlyAfterAnsweringEverythingTheCallerSent() throws Exception {
        CompletableFuture<List<Long>> answered = new CompletableFuture<>();
        List<Long> ids = new java.util.concurrent.CopyOnWriteArrayList<>();
        StreamObserver<ProduceRequest> requests = ProducerGrpc.newStub(channel).produceStream(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse response) {
                ids.add(response.getRequestId());
            }

            @Override
            public void onError(Throwable t) {
                answered.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                answered.complete(ids);
            }
        });
        requests.onNext(request("hold", 7, 7));
        requests.onCompleted();
        while (!held.containsKey("7")) {
            Thread.sleep(5);
        }
        assertFalse(answered.isDone());
        held.get("7").complete(null);
        assertEquals(List.of(7L), answered.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aServerEndingItsStreamsAnswersWhatItHasFirstAndTheCallerThenOpensANewStream() throws Exception {
        CompletableFuture<ProduceResponse> held1 = call("hold", 1, 10_000);
        while (!held.containsKey("1")) {
            Thread.sleep(5);
        }
        group.endAll(); // as a server shutting down does
        held.get("1").complete(null);
        assertTrue(held1.get(10, TimeUnit.SECONDS).getRequestId() > 0, "answered before the stream ended");
        // the stream ended after that answer: a later call opens a new one
        for (int i = 0; i < 100 && streams.get() < 2; i++) {
            try {
                call("echo", 0, 10_000).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(e.getCause()).getCode(), e.toString());
            }
        }
        assertEquals(2, streams.get());
        call("echo", 0, 10_000).get(10, TimeUnit.SECONDS);
    }

    @Test
    void theStreamOutlivesTheContextOfTheCallThatOpenedIt() throws Exception {
        // e.g. a gateway opening its append stream while serving one client's call
        Context.CancellableContext served = Context.current().withCancellation();
        CompletableFuture<ProduceResponse> f = served.call(() -> call("hold", 3, 10_000));
        served.cancel(null); // that call ended
        while (!held.containsKey("3")) {
            Thread.sleep(5);
        }
        held.get("3").complete(null);
        assertTrue(f.get(10, TimeUnit.SECONDS).getRequestId() > 0);
    }

    @Test
    void callsToAPeerThatIsDownFailRetriablyEvenWhenTheStreamFailsAsItOpens() throws Exception {
        // an inline channel runs the failure of a stream that cannot connect inside call() itself
        ManagedChannel down = Channels.openInline(new HostPort("127.0.0.1", FreePorts.find(1)[0]));
        try {
            ProducerGrpc.ProducerStub stub = ProducerGrpc.newStub(down);
            StreamedCalls<ProduceRequest, ProduceResponse> toNowhere = new StreamedCalls<>(stub::produceStream,
                    ProduceResponse::getRequestId, r -> r.hasError() ? r.getError() : null, timers);
            for (int i = 0; i < 5; i++) {
                Throwable e = failure(toNowhere.call(id -> request("echo", 0, id), TimeUnit.SECONDS.toNanos(10)));
                assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(e).getCode(), e.toString());
            }
        } finally {
            Channels.close(down);
        }
    }
}
