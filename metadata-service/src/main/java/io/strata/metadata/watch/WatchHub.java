package io.strata.metadata.watch;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.proto.internal.MetadataDelta;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.WatchEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Fans metadata changes out to Watch subscribers: a full image first, then one delta per
 * change, each applying on top of the version before it.
 *
 * <p>The hub keeps the newest image and the last {@link #HISTORY} deltas that lead up to it.
 * A subscriber is sent the deltas after the version it has; when it has none, or fell behind
 * further than the history reaches (it was slow, its stream was not ready), or this peer
 * reloaded its state from a snapshot (which publishes an image without a delta and clears the
 * history), it is sent the current image instead. A slow subscriber therefore never makes the
 * hub queue more than the bounded history, and catches up with one fresh image.
 *
 * <p>Thread-safe. {@link #publish} is called from the Raft apply thread and never blocks;
 * sending happens on the hub's own thread.
 */
public final class WatchHub implements AutoCloseable {
    /** How many deltas are kept for subscribers that are behind. */
    static final int HISTORY = 1024;

    private final Object lock = new Object();
    private MetadataImage latest = MetadataImage.getDefaultInstance();
    private final ArrayDeque<MetadataDelta> history = new ArrayDeque<>();
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
            MetadataImage image;
            List<MetadataDelta> deltas;
            synchronized (lock) {
                image = latest;
                deltas = sentVersion > 0 ? deltasAfter(sentVersion) : null;
            }
            if (image.getVersion() <= sentVersion || stream.isCancelled() || !stream.isReady()) {
                return;
            }
            try {
                if (deltas == null) {
                    stream.onNext(WatchEvent.newBuilder().setImage(image).build());
                    sentVersion = image.getVersion();
                    return;
                }
                for (MetadataDelta d : deltas) {
                    stream.onNext(WatchEvent.newBuilder().setDelta(d).build());
                    sentVersion = d.getVersion();
                    if (!stream.isReady()) {
                        return; // the rest when the stream is ready again (or an image, if evicted by then)
                    }
                }
            } catch (RuntimeException e) {
                subscribers.remove(this);
            }
        }
    }

    /** The deltas after {@code version} up to the latest image, or null when the history does not reach back. */
    private List<MetadataDelta> deltasAfter(long version) {
        List<MetadataDelta> out = new ArrayList<>();
        for (Iterator<MetadataDelta> it = history.descendingIterator(); it.hasNext(); ) {
            MetadataDelta d = it.next();
            if (d.getVersion() <= version) {
                break;
            }
            out.add(0, d);
        }
        if (out.isEmpty() || out.get(0).getBaseVersion() != version
                || out.get(out.size() - 1).getVersion() != latest.getVersion()) {
            return null;
        }
        return out;
    }

    /**
     * Publishes a new image; {@code delta} is the change from the previous image, or null when
     * there is none to give (the state was reloaded), which makes every subscriber get the image.
     */
    public void publish(MetadataImage image, MetadataDelta delta) {
        synchronized (lock) {
            if (image.getVersion() <= latest.getVersion()) {
                return;
            }
            if (delta != null && delta.getBaseVersion() == latest.getVersion()
                    && delta.getVersion() == image.getVersion()) {
                history.addLast(delta);
                while (history.size() > HISTORY) {
                    history.removeFirst();
                }
            } else {
                history.clear();
            }
            latest = image;
        }
        try {
            sender.execute(() -> subscribers.forEach(Subscriber::sendLatest));
        } catch (RejectedExecutionException closed) {
            // the hub is closed: the peer is shutting down and nobody is watching any more
        }
    }

    /**
     * Registers a Watch call. A subscriber that already has {@code knownVersion} is sent the
     * deltas after it when the history reaches back that far, the current image otherwise.
     */
    public void subscribe(long knownVersion, StreamObserver<WatchEvent> observer) {
        ServerCallStreamObserver<WatchEvent> stream = (ServerCallStreamObserver<WatchEvent>) observer;
        Subscriber s = new Subscriber(stream, knownVersion);
        stream.setOnCancelHandler(() -> subscribers.remove(s));
        stream.setOnReadyHandler(() -> {
            try {
                sender.execute(s::sendLatest);
            } catch (RejectedExecutionException closed) {
                // shutting down
            }
        });
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
