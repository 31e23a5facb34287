package io.strata.cli.perf;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.strata.client.Bootstrap;
import io.strata.client.StrataChannels;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.proto.Acks;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProducerGrpc;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code strata perf produce --raw}: produce throughput and latency through a gateway without the client: {@code senders} threads, each sending
 * pre-encoded batches of 1 KiB records (the Java client's fast path) to its own partition with
 * up to {@code inFlight} requests outstanding; latency is measured per acknowledged batch.
 */
final class ProducePerf {
    record Options(Bootstrap bootstrap, String topic, int partitions, int replicationFactor, long records,
                   int recordBytes, int batchRecords, int senders, int inFlight, Acks acks) {
    }

    private static long[][] latencies;
    private static int[] counts;

    private ProducePerf() {
    }

    private static synchronized void record(int sender, long nanos) {
        if (counts[sender] < latencies[sender].length) {
            latencies[sender][counts[sender]++] = nanos;
        }
    }

    static void run(Options o, PrintWriter out) throws Exception {
        ManagedChannel channel = StrataChannels.open(o.bootstrap());
        try {
            PerfTopics.ensure(o.bootstrap(), o.topic(), o.partitions(), o.replicationFactor());
            ByteBuffer template = template(o.batchRecords(), o.recordBytes());
            long batches = Math.max(1, o.records() / o.batchRecords());
            AtomicLong remaining = new AtomicLong(batches);
            latencies = new long[o.senders()][];
            counts = new int[o.senders()];
            ExecutorService pool = Executors.newFixedThreadPool(o.senders());
            long start = System.nanoTime();
            Future<?>[] running = new Future<?>[o.senders()];
            for (int s = 0; s < o.senders(); s++) {
                int sender = s;
                latencies[s] = new long[(int) (batches / o.senders() + 2)];
                running[s] = pool.submit(() -> {
                    ProducerGrpc.ProducerFutureStub stub = ProducerGrpc.newFutureStub(channel);
                    ProduceRequest built = ProduceRequest.newBuilder().setTopic(o.topic())
                            .setPartition(sender % o.partitions()).setAcks(o.acks())
                            .setBatch(UnsafeByteOperations.unsafeWrap(template.duplicate())).build();
                    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(o.inFlight());
                    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
                    while (remaining.decrementAndGet() >= 0 && failure.get() == null) {
                        window.acquire();
                        long t0 = System.nanoTime();
                        com.google.common.util.concurrent.Futures.addCallback(stub.produce(built),
                                new com.google.common.util.concurrent.FutureCallback<>() {
                                    @Override
                                    public void onSuccess(io.strata.proto.ProduceResponse r) {
                                        record(sender, System.nanoTime() - t0);
                                        window.release();
                                    }

                                    @Override
                                    public void onFailure(Throwable t) {
                                        failure.compareAndSet(null, t);
                                        window.release();
                                    }
                                }, com.google.common.util.concurrent.MoreExecutors.directExecutor());
                    }
                    window.acquire(o.inFlight());
                    if (failure.get() != null) {
                        throw new IllegalStateException("produce failed: " + failure.get().getMessage(), failure.get());
                    }
                    return null;
                });
            }
            for (Future<?> f : running) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            long[] all = merge(latencies, counts);
            long sent = batches * o.batchRecords();
            out.printf("produce acks=%s partitions=%d rf=%d senders=%d in-flight=%d batch=%d x %d B: %.0f records/s, %.1f MB/s; "
                            + "batch latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d batches)%n",
                    name(o.acks()), o.partitions(), o.replicationFactor(), o.senders(), o.inFlight(), o.batchRecords(),
                    o.recordBytes(), sent / seconds, sent * (double) o.recordBytes() / 1e6 / seconds,
                    percentile(all, 50), percentile(all, 99), all.length == 0 ? 0 : all[all.length - 1] / 1e6,
                    all.length);
            out.flush();
        } finally {
            StrataChannels.close(channel, Duration.ofSeconds(5));
        }
    }

    private static String name(Acks acks) {
        return switch (acks) {
            case ACKS_LEADER -> "1";
            case ACKS_NONE -> "0";
            default -> "all";
        };
    }

    private static ByteBuffer template(int records, int recordBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        byte[] value = new byte[recordBytes];
        ThreadLocalRandom.current().nextBytes(value);
        long now = System.currentTimeMillis();
        for (int i = 0; i < records; i++) {
            b.append(now, null, value);
        }
        return b.build();
    }

    private static long[] merge(long[][] latencies, int[] counts) {
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int s = 0; s < latencies.length; s++) {
            System.arraycopy(latencies[s], 0, all, at, counts[s]);
            at += counts[s];
        }
        Arrays.sort(all);
        return all;
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }
}
