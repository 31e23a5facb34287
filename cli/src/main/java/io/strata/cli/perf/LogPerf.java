package io.strata.cli.perf;

import com.google.protobuf.ByteString;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import io.strata.storage.log.PartitionLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The storage engine benchmark behind {@code strata perf log}: the disk's raw sequential write
 * bandwidth, then the log's append throughput with {@code flush=os} and {@code flush=batch}
 * next to it, catch-up read throughput, recovery time after a real kill -9, and open time of
 * many partitions. Prints one line per figure.
 */
public final class LogPerf {
    private static final int RECORD_BYTES = 1024;
    private static final int MAX_BATCH = 16 * 1024 * 1024;

    private final Path root;
    private final long bytesPerRun;
    private final PrintWriter out;

    public LogPerf(Path root, long bytesPerRun, PrintWriter out) {
        this.root = root;
        this.bytesPerRun = bytesPerRun;
        this.out = out;
    }

    /** Runs every measurement; {@code appenders} threads append concurrently. */
    public void runAll(int appenders, int[] partitionCounts, int[] batchSizes, int openPartitions) throws Exception {
        Files.createDirectories(root);
        double raw = rawWrite();
        out.printf("raw disk: %.0f MB/s (1 MiB writes, fdatasync every 16 MiB, %d MiB)%n", raw, bytesPerRun >> 20);
        for (int partitions : partitionCounts) {
            for (int batch : batchSizes) {
                for (LogConfig.FlushPolicy flush : List.of(new LogConfig.FlushPolicy.Os(), new LogConfig.FlushPolicy.Batch())) {
                    Result r = append(partitions, appenders, batch, flush);
                    out.printf("append flush=%-5s partitions=%d batch=%2d KiB appenders=%d: %6.0f MB/s (%3.0f%% of raw), "
                                    + "%7.0f appends/s, %d fsyncs (%.2f ms each)%n",
                            flush instanceof LogConfig.FlushPolicy.Os ? "os" : "batch", partitions, batch >> 10,
                            appenders, r.mbPerSec, 100 * r.mbPerSec / raw, r.appendsPerSec, r.fsyncs,
                            r.fsyncs == 0 ? 0.0 : r.fsyncNanos / 1e6 / r.fsyncs);
                    out.flush();
                }
            }
        }
        read();
        recoverAfterKill();
        openMany(openPartitions);
        deleteTree(root);
    }

    private record Result(double mbPerSec, double appendsPerSec, long fsyncs, long fsyncNanos) {
    }

    private double rawWrite() throws IOException {
        Path file = root.resolve("raw.bin");
        ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
        ThreadLocalRandom.current().ints(block.capacity() / 4).forEach(i -> block.putInt(i));
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long written = 0; written < bytesPerRun; written += block.capacity()) {
                block.clear();
                while (block.hasRemaining()) {
                    ch.write(block);
                }
                if ((written + block.capacity()) % (16 << 20) == 0) {
                    ch.force(false);
                }
            }
            ch.force(false);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.delete(file);
        return bytesPerRun / 1e6 / seconds;
    }

    /** A batch template of {@code batchBytes} made of 1 KiB records. */
    private static ByteBuffer template(int batchBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(Compression.NONE);
        byte[] value = new byte[RECORD_BYTES];
        ThreadLocalRandom.current().nextBytes(value);
        long now = System.currentTimeMillis();
        while (b.estimatedSizeInBytes() + RECORD_BYTES + 32 <= batchBytes) {
            b.append(now, null, value);
        }
        return b.build();
    }

    private Result append(int partitions, int appenders, int batchBytes, LogConfig.FlushPolicy flush) throws Exception {
        Path dir = root.resolve("append");
        deleteTree(dir);
        LogConfig config = LogConfig.defaults(MAX_BATCH).withFlush(flush);
        ExecutorService flusher = Executors.newFixedThreadPool(LogManager.Settings.defaults().flushThreads());
        List<PartitionLog> logs = new ArrayList<>();
        LongAdder fsyncs = new LongAdder();
        LongAdder fsyncNanos = new LongAdder();
        for (int p = 0; p < partitions; p++) {
            logs.add(PartitionLog.open(dir.resolve("p" + p), config, System::currentTimeMillis, flusher, nanos -> {
                fsyncs.increment();
                fsyncNanos.add(nanos);
            }));
        }
        ByteBuffer template = template(batchBytes);
        AtomicLong remaining = new AtomicLong(bytesPerRun);
        AtomicLong appends = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(appenders);
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int a = 0; a < appenders; a++) {
            PartitionLog target = logs.get(a % partitions);
            running.add(threads.submit(() -> {
                ByteBuffer copy = ByteBuffer.allocate(template.remaining());
                while (remaining.addAndGet(-template.remaining()) >= 0) {
                    copy.clear();
                    copy.put(template.duplicate()).flip();
                    target.appendAsync(copy, 1).join();
                    appends.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        threads.shutdown();
        long bytes = logs.stream().mapToLong(PartitionLog::size).sum();
        logs.forEach(PartitionLog::close);
        flusher.shutdown();
        return new Result(bytes / 1e6 / seconds, appends.get() / seconds, fsyncs.sum(), fsyncNanos.sum());
    }

    /** Writes a log of bytesPerRun with 64 KiB batches, then reads it from the start, page cache warm. */
    private void read() throws Exception {
        Path dir = root.resolve("read");
        deleteTree(dir);
        LogConfig config = LogConfig.defaults(MAX_BATCH).withFlush(new LogConfig.FlushPolicy.Os());
        ExecutorService flusher = Executors.newSingleThreadExecutor();
        try (PartitionLog log = PartitionLog.open(dir, config, System::currentTimeMillis, flusher, nanos -> { })) {
            ByteBuffer template = template(64 * 1024);
            ByteBuffer copy = ByteBuffer.allocate(template.remaining());
            while (log.size() < bytesPerRun) {
                copy.clear();
                copy.put(template.duplicate()).flip();
                log.append(copy, 1);
            }
            ByteBuffer socket = ByteBuffer.allocateDirect(2 << 20);
            for (int pass = 0; pass < 2; pass++) { // pass 0 warms up the JIT; pass 1 is measured
                long start = System.nanoTime();
                long offset = 0;
                long bytes = 0;
                while (offset < log.logEndOffset()) {
                    ByteString chunk = log.read(offset, 1 << 20, Long.MAX_VALUE);
                    socket.clear();
                    chunk.copyTo(socket); // the one copy a transport makes into its buffers
                    bytes += chunk.size();
                    offset = lastOffsetAfter(chunk);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (pass == 1) {
                    out.printf("read from start: %.0f MB/s (%d MiB in 1 MiB reads, mapped, copied once into a direct buffer)%n",
                            bytes / 1e6 / seconds, bytes >> 20);
                }
            }
        }
        flusher.shutdown();
        deleteTree(dir);
    }

    private static long lastOffsetAfter(ByteString chunk) {
        io.strata.common.batch.RecordBatches it =
                io.strata.common.batch.RecordBatches.scan(chunk.asReadOnlyByteBuffer(), Integer.MAX_VALUE);
        long next = -1;
        while (it.hasNext()) {
            next = it.next().nextOffset();
        }
        return next;
    }

    /** A child JVM fills one active segment with bytesPerRun and is killed with SIGKILL; then the log is reopened. */
    private void recoverAfterKill() throws Exception {
        Path dir = root.resolve("crash");
        deleteTree(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                LogPerf.class.getName(), dir.toString(), Long.toString(bytesPerRun))
                .redirectErrorStream(true).start();
        String line = new String(child.getInputStream().readNBytes(5));
        if (!line.startsWith("ready")) {
            throw new IllegalStateException("the writer did not get ready: " + line);
        }
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        long size;
        try (Stream<Path> files = Files.list(dir)) {
            size = files.filter(p -> p.toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
        }
        long start = System.nanoTime();
        try (PartitionLog log = PartitionLog.open(dir, MAX_BATCH)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("recovery after kill -9: %.2f s to scan and verify a %d MiB active segment (%d records kept)%n",
                    seconds, size >> 20, log.logEndOffset());
        }
        deleteTree(dir);
    }

    private void openMany(int count) throws Exception {
        Path dir = root.resolve("many");
        deleteTree(dir);
        ByteBuffer template = template(16 * 1024);
        for (int p = 0; p < count; p++) {
            try (PartitionLog log = PartitionLog.open(dir.resolve("p" + p), MAX_BATCH)) {
                ByteBuffer copy = ByteBuffer.allocate(template.remaining());
                copy.put(template.duplicate()).flip();
                log.append(copy, 1);
            }
        }
        ExecutorService flusher = Executors.newFixedThreadPool(4);
        List<PartitionLog> opened = new ArrayList<>();
        long start = System.nanoTime();
        for (int p = 0; p < count; p++) {
            opened.add(PartitionLog.open(dir.resolve("p" + p), LogConfig.defaults(MAX_BATCH), System::currentTimeMillis,
                    flusher, nanos -> { }));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        out.printf("open %d partitions (clean shutdown): %.2f s, %d open file descriptors in the process%n",
                count, seconds, fds);
        opened.forEach(PartitionLog::close);
        flusher.shutdown();
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Child-process mode for the kill -9 measurement: fill one segment, say "ready", wait to be killed. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long bytes = Long.parseLong(args[1]);
        LogConfig config = LogConfig.defaults(MAX_BATCH).withFlush(new LogConfig.FlushPolicy.Os())
                .withSegmentBytes(Math.max(bytes * 2, 1 << 20));
        PartitionLog log = PartitionLog.open(dir, config, System::currentTimeMillis,
                Executors.newSingleThreadExecutor(), nanos -> { });
        ByteBuffer template = template(64 * 1024);
        ByteBuffer copy = ByteBuffer.allocate(template.remaining());
        while (log.size() < bytes) {
            copy.clear();
            copy.put(template.duplicate()).flip();
            log.append(copy, 1);
        }
        System.out.print("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
