package io.strata.testkit;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.strata.proto.Assignment;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A blocking request/response wrapper over a raw Subscribe stream, as any gRPC client would drive
 * it; assignments the gateway pushes are kept in arrival order.
 */
final class SubscribeSession implements AutoCloseable {
    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final List<Assignment> pushed = new CopyOnWriteArrayList<>();
    private final StreamObserver<SubscribeRequest> requests;
    private long nextId = 1;

    SubscribeSession(ManagedChannel channel) {
        requests = ConsumerGrpc.newStub(channel).subscribe(new StreamObserver<>() {
            @Override
            public void onNext(SubscribeResponse value) {
                if (value.getRequestId() == 0 && value.hasAssignment()) {
                    pushed.add(value.getAssignment());
                } else {
                    responses.add(value);
                }
            }

            @Override
            public void onError(Throwable t) {
                responses.add(t);
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    /** Sends {@code request} with a fresh id and waits for its answer. */
    SubscribeResponse call(SubscribeRequest.Builder request) throws Exception {
        long id = nextId++;
        requests.onNext(request.setRequestId(id).build());
        while (true) {
            Object o = responses.poll(30, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("no answer to request " + id);
            }
            if (o instanceof Throwable t) {
                throw new AssertionError("stream failed", t);
            }
            SubscribeResponse r = (SubscribeResponse) o;
            if (r.getRequestId() == id) {
                return r;
            }
        }
    }

    /** Waits up to 60 s for a pushed assignment that satisfies {@code condition}. */
    Assignment awaitPush(String what, Predicate<Assignment> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            for (Assignment a : pushed) {
                if (condition.test(a)) {
                    return a;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no pushed assignment " + what + "; pushed: " + pushed);
    }

    @Override
    public void close() {
        requests.onCompleted();
    }
}
