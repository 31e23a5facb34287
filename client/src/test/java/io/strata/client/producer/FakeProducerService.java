package io.strata.client.producer;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.client.GrpcTestServer;
import io.strata.common.batch.Record;
import io.strata.common.batch.RecordBatch;
import io.strata.proto.Acks;
import io.strata.proto.AdminGrpc;
import io.strata.proto.BatchPosition;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.TopicDescription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A Producer service that appends pre-encoded batches to in-memory partitions, and the one
 * Admin call the producer makes (DescribeTopic: every topic has {@link #PARTITIONS} partitions
 * except "nope", which does not exist). Records concurrency and every request. Like a gateway,
 * {@code ProduceStream} handles its requests concurrently and answers a failed one in-band.
 */
final class FakeProducerService extends ProducerGrpc.ProducerImplBase {

    static final int PARTITIONS = 3;

    final List<ProduceRequest> requests = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** Most requests seen in flight at once for a single partition. */
    final AtomicInteger maxInFlightPerPartition = new AtomicInteger();
    private final Map<Integer, AtomicInteger> inFlightByPartition = new HashMap<>();
    private final Map<String, Long> nextOffset = new HashMap<>();
    volatile long delayMs;
    /** Acquired before answering; tests may drain it to hold requests. */
    final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
    /** Extra time to hold a request before answering it. */
    volatile Function<ProduceRequest, Long> delayFor = r -> 0L;
    /** Requests the gateway loses: recorded, never answered. */
    volatile Predicate<ProduceRequest> unanswered = r -> false;
    /** Returns an error to fail a request with, or null to accept it. */
    volatile Function<ProduceRequest, StatusRuntimeException> failer = r -> null;

    /** The Admin side: DescribeTopic only. */
    final AdminGrpc.AdminImplBase admin = new AdminGrpc.AdminImplBase() {
        @Override
        public void describeTopic(DescribeTopicRequest request, StreamObserver<TopicDescription> response) {
            if (request.getName().equals("nope")) {
                response.onError(GrpcTestServer.error(io.grpc.Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_TOPIC,
                        "topic 'nope' does not exist"));
                return;
            }
            TopicDescription.Builder b = TopicDescription.newBuilder().setName(request.getName());
            for (int p = 0; p < PARTITIONS; p++) {
                b.addPartitions(PartitionDescription.newBuilder().setPartition(p));
            }
            response.onNext(b.build());
            response.onCompleted();
        }
    };

    /** Runs the requests of streams, each on its own thread, so that held or slow ones overlap. */
    private final ExecutorService streamed = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-produce-stream");
        t.setDaemon(true);
        return t;
    });
    /** Streams opened so far. */
    final AtomicInteger streams = new AtomicInteger();
    private final List<StreamObserver<ProduceResponse>> openStreams = new ArrayList<>();

    /** Fails every open stream with UNAVAILABLE, as a gateway going away does. */
    void breakStreams() {
        synchronized (openStreams) {
            for (StreamObserver<ProduceResponse> responses : openStreams) {
                synchronized (responses) {
                    responses.onError(io.grpc.Status.UNAVAILABLE.withDescription("gateway going away").asRuntimeException());
                }
            }
            openStreams.clear();
        }
    }

    @Override
    public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
        streams.incrementAndGet();
        synchronized (openStreams) {
            openStreams.add(responses);
        }
        return new StreamObserver<>() {
            @Override
            public void onNext(ProduceRequest request) {
                streamed.execute(() -> produce(request, new StreamObserver<>() {
                    @Override
                    public void onNext(ProduceResponse response) {
                        synchronized (responses) {
                            try {
                                responses.onNext(response);
                            } catch (IllegalStateException | io.grpc.StatusRuntimeException e) {
                                // the stream was broken or cancelled meanwhile: the answer is lost
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ProduceResponse failed = ProduceResponse.newBuilder().setRequestId(request.getRequestId())
                                .setError(io.strata.common.error.StrataException.from(t).toDetail()).build();
                        onNext(failed);
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                synchronized (responses) {
                    responses.onCompleted();
                }
            }
        };
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        AtomicInteger perPartition;
        synchronized (inFlightByPartition) {
            perPartition = inFlightByPartition.computeIfAbsent(request.getPartition(), p -> new AtomicInteger());
        }
        maxInFlightPerPartition.accumulateAndGet(perPartition.incrementAndGet(), Math::max);
        // Counted out before the answer goes: the client may send its next request as soon as it
        // has the answer, and that one must not find this one still counted.
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable countOut = () -> {
            if (counted.getAndSet(false)) {
                perPartition.decrementAndGet();
                inFlight.decrementAndGet();
            }
        };
        try {
            synchronized (requests) {
                requests.add(request);
            }
            gate.acquireUninterruptibly();
            gate.release();
            long delay = Math.max(delayMs, delayFor.apply(request));
            if (delay > 0) {
                Thread.sleep(delay);
            }
            if (unanswered.test(request)) {
                return;
            }
            StatusRuntimeException error = failer.apply(request);
            if (error != null) {
                countOut.run();
                response.onError(error);
                return;
            }
            int count = records(request).size();
            long base;
            synchronized (nextOffset) {
                base = nextOffset.merge(request.getTopic() + "-" + request.getPartition(), (long) count, Long::sum)
                        - count;
            }
            ProduceResponse.Builder b = ProduceResponse.newBuilder().setRequestId(request.getRequestId());
            if (request.getAcks() != Acks.ACKS_NONE) {
                b.addBatches(BatchPosition.newBuilder().setPartition(request.getPartition()).setBaseOffset(base)
                        .setRecordCount(count));
            }
            countOut.run();
            response.onNext(b.build());
            response.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            countOut.run();
        }
    }

    /** The records of a request's pre-encoded batch, after checking its CRC as the gateway would. */
    static List<Record> records(ProduceRequest request) {
        RecordBatch batch = RecordBatch.readFrom(request.getBatch().asReadOnlyByteBuffer());
        batch.ensureValid();
        List<Record> out = new ArrayList<>();
        batch.records().forEach(out::add);
        return out;
    }

    List<ProduceRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }
}
