package io.strata.storage.log;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every partition log of a storage node and the background work they share: the fsync
 * threads of group commit, periodic flushes for {@code flush=interval:<ms>} logs, retention,
 * and releasing the file handles of segments nobody read lately (so a node with thousands of
 * partitions keeps roughly one open file per partition).
 *
 * <p>Thread-safe.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);

    /** Background timings. */
    public record Settings(int flushThreads, long retentionCheckMs, long idleReleaseMs) {
        public static Settings defaults() {
            // fsync threads mostly wait on the disk; the journal merges concurrent syncs of different files.
            return new Settings(16, 30_000, 60_000);
        }
    }

    private final Settings settings;
    private final LongSupplier clock;
    private final LongConsumer fsyncNanos;
    private final Map<Path, PartitionLog> logs = new ConcurrentHashMap<>();
    private final Map<Path, Long> lastFlushMs = new ConcurrentHashMap<>();
    private final ExecutorService flushers;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "log-manager");
        t.setDaemon(true);
        return t;
    });

    /** @param fsyncNanos told how long each group-commit fsync took (metrics) */
    public LogManager(Settings settings, LongSupplier clock, LongConsumer fsyncNanos) {
        this.settings = settings;
        this.clock = clock;
        this.fsyncNanos = fsyncNanos;
        this.flushers = Executors.newFixedThreadPool(settings.flushThreads(), r -> {
            Thread t = new Thread(r, "log-flush");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::flushIntervalLogs, 50, 50, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::applyRetention, settings.retentionCheckMs(),
                settings.retentionCheckMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::releaseIdle, settings.idleReleaseMs(), settings.idleReleaseMs() / 2,
                TimeUnit.MILLISECONDS);
    }

    /** Opens (or creates) the log in {@code dir}; recovers it if it was not closed cleanly. */
    public PartitionLog open(Path dir, LogConfig config) {
        PartitionLog opened = PartitionLog.open(dir, config, clock, flushers, fsyncNanos);
        logs.put(dir, opened);
        return opened;
    }

    /** Closes a log and forgets it (the caller may delete its directory afterwards). */
    public void close(PartitionLog partitionLog) {
        logs.remove(partitionLog.dir());
        lastFlushMs.remove(partitionLog.dir());
        partitionLog.close();
    }

    private void flushIntervalLogs() {
        long now = clock.getAsLong();
        for (PartitionLog l : logs.values()) {
            if (l.config().flush() instanceof LogConfig.FlushPolicy.Interval interval) {
                long last = lastFlushMs.getOrDefault(l.dir(), 0L);
                if (now - last >= interval.intervalMs()) {
                    lastFlushMs.put(l.dir(), now);
                    l.flushAsync();
                }
            }
        }
    }

    /** Runs retention on every log now (also runs every {@code retentionCheckMs}). */
    public void applyRetention() {
        for (PartitionLog l : logs.values()) {
            try {
                int deleted = l.deleteExpiredSegments(l.retentionLimit());
                if (deleted > 0) {
                    log.info("{}: retention deleted {} segments; log now starts at {}", l.dir(), deleted,
                            l.logStartOffset());
                }
            } catch (RuntimeException e) {
                log.warn("retention of {} failed", l.dir(), e);
            }
        }
    }

    private void releaseIdle() {
        long idleSince = clock.getAsLong() - settings.idleReleaseMs();
        logs.values().forEach(l -> l.releaseIdleSegments(idleSince));
    }

    public int openLogs() {
        return logs.size();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        logs.values().forEach(PartitionLog::close);
        logs.clear();
        flushers.shutdown();
    }
}
