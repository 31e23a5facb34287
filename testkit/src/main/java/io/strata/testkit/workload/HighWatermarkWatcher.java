package io.strata.testkit.workload;

import io.grpc.ManagedChannel;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ListOffsetsRequest;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionOffset;
import io.strata.testkit.history.History;
import io.strata.testkit.history.Op;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches the high watermark of every partition of a topic (ListOffsets LATEST through the
 * gateways, every 200 ms) and records each change it sees in the {@link History} as an ok
 * {@code read-hw} with the new value, so that a checker can tell whether a high watermark was
 * ever observed to go backwards. Failed reads are not recorded: during a fault they are expected.
 * One thread; start and close from the test's thread.
 */
public final class HighWatermarkWatcher implements AutoCloseable {
    public static final String F = "read-hw";

    private final History history;
    private final String topic;
    private final List<ManagedChannel> gateways;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    private HighWatermarkWatcher(History history, String topic, List<HostPort> gatewayAddresses) {
        this.history = history;
        this.topic = topic;
        this.gateways = gatewayAddresses.stream().map(Channels::open).toList();
        this.thread = new Thread(this::watch, "hw-watcher-" + topic);
    }

    public static HighWatermarkWatcher start(History history, String topic, List<HostPort> gateways) {
        HighWatermarkWatcher w = new HighWatermarkWatcher(history, topic, gateways);
        w.thread.start();
        return w;
    }

    private void watch() {
        Map<Integer, Long> last = new HashMap<>();
        for (int round = 0; !stop.get(); round++) {
            try {
                List<PartitionOffset> offsets = ConsumerGrpc.newBlockingStub(gateways.get(round % gateways.size()))
                        .withDeadlineAfter(5, TimeUnit.SECONDS).listOffsets(ListOffsetsRequest.newBuilder()
                                .setTopic(topic).setSpec(OffsetSpec.OFFSET_SPEC_LATEST).build()).getOffsetsList();
                for (PartitionOffset o : offsets) {
                    Long before = last.put(o.getPartition(), o.getOffset());
                    if (before == null || before != o.getOffset()) {
                        Op invoke = history.invoke("hw-watcher", F, o.getPartition(), List.of(), List.of());
                        history.ok(invoke, o.getPartition(), List.of(o.getOffset()));
                    }
                }
            } catch (RuntimeException e) {
                // Unavailable during a fault: try again at the next round.
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gateways.forEach(Channels::close);
    }
}
