package io.strata.metadata.watch;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.WatchEvent;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fans metadata images out to Watch subscribers. A subscriber always gets the newest image:
 * when it cannot keep up (its stream is not ready), intermediate images are skipped, never
 * queued, so a slow subscriber costs no memory and catches up with one fresh image.
 *
 * <p>Thread-safe. {@link #publish} is called from the Raft apply thread and never blocks;
 * sending happens on the hub's own thread.
 */
public final class WatchHub implements AutoCloseable {
    private final AtomicReference<MetadataImage> latest = new AtomicReference<>(MetadataImage.getDefaultInstance());
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metadata-watch-hub");
        t.setDaemon(true);
        return t;
    });

    private final class Subscriber {
        final ServerCallStreamObserver<WatchEvent> stream;
        long sentVersion;

        Subscriber(ServerCallStreamObserver<WatchEvent> stream, long knownVersion) {
            this.stream = stream;
            this.sentVersion = knownVersion;
        }

        /** Runs on the sender thread only. */
        void sendLatest() {
            MetadataImage image = latest.get();
            if (image.getVersion() <= sentVersion || stream.isCancelled() || !stream.isReady()) {
                return;
            }
            sentVersion = image.getVersion();
            try {
                stream.onNext(WatchEvent.newBuilder().setImage(image).build());
            } catch (RuntimeException e) {
                subscribers.remove(this);
            }
        }
    }

    public void publish(MetadataImage image) {
        latest.accumulateAndGet(image, (old, now) -> now.getVersion() >= old.getVersion() ? now : old);
        try {
            sender.execute(() -> subscribers.forEach(Subscriber::sendLatest));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the hub is closed: the peer is shutting down and nobody is watching any more
        }
    }

    /** Registers a Watch call; the current image is sent at once if newer than {@code knownVersion}. */
    public void subscribe(long knownVersion, StreamObserver<WatchEvent> observer) {
        ServerCallStreamObserver<WatchEvent> stream = (ServerCallStreamObserver<WatchEvent>) observer;
        Subscriber s = new Subscriber(stream, knownVersion);
        stream.setOnCancelHandler(() -> subscribers.remove(s));
        stream.setOnReadyHandler(() -> sender.execute(s::sendLatest));
        subscribers.add(s);
        sender.execute(s::sendLatest);
    }

    @Override
    public void close() {
        sender.shutdownNow();
        subscribers.forEach(s -> {
            try {
                s.stream.onCompleted();
            } catch (RuntimeException ignored) {
                // the call is already gone
            }
        });
        subscribers.clear();
    }
}
