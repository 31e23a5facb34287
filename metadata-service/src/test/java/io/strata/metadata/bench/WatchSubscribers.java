package io.strata.metadata.bench;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.proto.internal.MetadataServiceGrpc;
import io.strata.proto.internal.TopicRecord;
import io.strata.proto.internal.WatchEvent;
import io.strata.proto.internal.WatchRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Watch subscribers for the fan-out benchmark: each is a real Watch stream on a channel (a TCP
 * connection) of its own, like a gateway or storage node, spread round-robin over the peers.
 * A change is recognised by a marker: the value of one config of one topic. Every subscriber
 * records when it first saw each marker, whether it came in a delta or, for a subscriber that
 * fell behind, in a full image.
 *
 * <p>Thread-safe: each stream's callbacks run one at a time and write only their own slots.
 */
final class WatchSubscribers implements AutoCloseable {
    private final String topic;
    private final String configKey;
    private final long markerBase;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Context.CancellableContext> calls = new ArrayList<>();
    private final long[][] receivedNanos;
    private final CountDownLatch[] receivedByAll;
    private final CountDownLatch subscribed;

    /**
     * Marker m is the value {@code markerBase + m} of config {@code configKey} on {@code topic}, for
     * m in [0, markers).
     */
    WatchSubscribers(List<HostPort> peers, int count, String topic, String configKey, long markerBase, int markers) {
        this.topic = topic;
        this.configKey = configKey;
        this.markerBase = markerBase;
        this.receivedNanos = new long[markers][count];
        this.receivedByAll = new CountDownLatch[markers];
        for (int m = 0; m < markers; m++) {
            receivedByAll[m] = new CountDownLatch(count);
        }
        this.subscribed = new CountDownLatch(count);
        for (int s = 0; s < count; s++) {
            ManagedChannel channel = Channels.open(peers.get(s % peers.size()));
            channels.add(channel);
            Context.CancellableContext call = Context.current().withCancellation();
            calls.add(call);
            int subscriber = s;
            call.run(() -> MetadataServiceGrpc.newStub(channel).watch(WatchRequest.getDefaultInstance(),
                    new Recorder(subscriber)));
        }
    }

    /** Waits until every subscriber received its first image. */
    void awaitSubscribed(long timeoutMs) throws InterruptedException {
        if (!subscribed.await(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(subscribed.getCount() + " watch streams did not start in " + timeoutMs + " ms");
        }
    }

    /** Waits until every subscriber saw marker {@code m}; false on timeout. */
    boolean awaitAll(int m, long timeoutMs) throws InterruptedException {
        return receivedByAll[m].await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** When the first subscriber saw marker {@code m} (System.nanoTime()). */
    long first(int m) {
        long first = Long.MAX_VALUE;
        for (long t : receivedNanos[m]) {
            first = Math.min(first, t);
        }
        return first;
    }

    /** When the last subscriber saw marker {@code m} (System.nanoTime()). */
    long last(int m) {
        long last = 0;
        for (long t : receivedNanos[m]) {
            last = Math.max(last, t);
        }
        return last;
    }

    private final class Recorder implements StreamObserver<WatchEvent> {
        private final int subscriber;
        private boolean started;

        Recorder(int subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void onNext(WatchEvent event) {
            long now = System.nanoTime();
            List<TopicRecord> topics = event.hasDelta() ? event.getDelta().getChangedTopicsList()
                    : event.getImage().getTopicsList();
            for (TopicRecord t : topics) {
                String value = t.getName().equals(topic) ? t.getConfigsMap().get(configKey) : null;
                if (value != null) {
                    long m = Long.parseLong(value) - markerBase;
                    if (m >= 0 && m < receivedNanos.length && receivedNanos[(int) m][subscriber] == 0) {
                        receivedNanos[(int) m][subscriber] = now;
                        receivedByAll[(int) m].countDown();
                    }
                }
            }
            if (!started) {
                started = true;
                subscribed.countDown();
            }
        }

        @Override
        public void onError(Throwable t) {
            // Cancelled by close(), or the peer went away: the benchmark then times out waiting.
        }

        @Override
        public void onCompleted() {
        }
    }

    @Override
    public void close() {
        calls.forEach(c -> c.cancel(null));
        channels.forEach(c -> Channels.close(c, java.time.Duration.ofMillis(200)));
    }
}
