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
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A Producer service that appends pre-encoded batches to in-memory partitions, and the one
 * Admin call the producer makes (DescribeTopic: every topic has {@link #PARTITIONS} partitions
 * except "nope", which does not exist). Records concurrency and every request.
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

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        AtomicInteger perPartition;
        synchronized (inFlightByPartition) {
            perPartition = inFlightByPartition.computeIfAbsent(request.getPartition(), p -> new AtomicInteger());
        }
        maxInFlightPerPartition.accumulateAndGet(perPartition.incrementAndGet(), Math::max);
        try {
            synchronized (requests) {
                requests.add(request);
            }
            gate.acquireUninterruptibly();
            gate.release();
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            StatusRuntimeException error = failer.apply(request);
            if (error != null) {
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
            response.onNext(b.build());
            response.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            perPartition.decrementAndGet();
            inFlight.decrementAndGet();
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
