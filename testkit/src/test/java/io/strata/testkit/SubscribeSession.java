package io.strata.testkit;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A blocking request/response wrapper over a raw Subscribe stream, as any gRPC client would drive it. */
final class SubscribeSession implements AutoCloseable {
    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final StreamObserver<SubscribeRequest> requests;
    private long nextId = 1;

    SubscribeSession(ManagedChannel channel) {
        requests = ConsumerGrpc.newStub(channel).subscribe(new StreamObserver<>() {
            @Override
            public void onNext(SubscribeResponse value) {
                responses.add(value);
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

    @Override
    public void close() {
        requests.onCompleted();
    }
}
