package io.strata.client.producer;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.proto.Acks;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A Producer service that appends to in-memory partitions: explicit partition, else
 * key hash % 3, else partition 0. Records concurrency and every request.
 */
final class FakeProducerService extends ProducerGrpc.ProducerImplBase {

    static final int PARTITIONS = 3;

    final List<ProduceRequest> requests = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, Long> nextOffset = new HashMap<>();
    volatile long delayMs;
    /** Acquired before answering; tests may drain it to hold requests. */
    final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
    /** Returns an error to fail a request with, or null to accept it. */
    volatile Function<ProduceRequest, StatusRuntimeException> failer = r -> null;

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
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
            ProduceResponse.Builder b = ProduceResponse.newBuilder().setRequestId(request.getRequestId());
            for (Record r : request.getRecordsList()) {
                int partition = request.hasPartition() ? request.getPartition()
                        : r.hasKey() ? Math.abs(r.getKey().hashCode() % PARTITIONS) : 0;
                long offset;
                synchronized (nextOffset) {
                    offset = nextOffset.merge(request.getTopic() + "-" + partition, 1L, Long::sum) - 1;
                }
                if (request.getAcks() != Acks.ACKS_NONE) {
                    b.addRecords(RecordPosition.newBuilder().setPartition(partition).setOffset(offset));
                }
            }
            response.onNext(b.build());
            response.onCompleted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    List<ProduceRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }
}
