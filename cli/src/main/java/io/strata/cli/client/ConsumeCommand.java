package io.strata.cli.client;

import io.strata.client.TopicPartition;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.consumer.WakeupException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata consume TOPIC --group G}: prints record values one per line (with
 * {@code --print-key}: {@code key<TAB>value}) and, after each poll, commits what it printed plus the
 * unchanged start point of partitions that returned nothing.
 *
 * <p>Where it starts: the group's committed offsets, else latest ({@code --from-beginning}: earliest);
 * {@code --from-offset N} or {@code --from-timestamp T} seek every assigned partition there after
 * joining. With {@code --partition P} it reads that one partition without any group (the stateless
 * Fetch RPC; nothing committed), like Kafka's console consumer with {@code --partition --offset}.
 *
 * <p>Stops after {@code --max-messages N} records, or after {@code --timeout-ms T} without a record;
 * otherwise it runs until Ctrl-C, when a shutdown hook wakes the consumer so it leaves the group
 * cleanly. A summary {@code consumed N messages} goes to stderr.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print records of a topic as a member of a consumer group (or of one partition, without a group).")
public class ConsumeCommand extends ClientCommand {

    /** Longest single poll, so --timeout-ms and shutdown are noticed promptly. */
    private static final long MAX_POLL_MS = 1_000;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic to consume.")
    String topic;

    @Option(names = "--group", paramLabel = "G",
            description = "Consumer group id. Required unless --partition is given.")
    String group;

    @Option(names = "--from-beginning",
            description = "Start at the earliest offset when the group has no committed offset (default: latest).")
    boolean fromBeginning;

    @Option(names = "--from-offset", paramLabel = "N",
            description = "Start at offset N of every assigned partition (of --partition P only, when given).")
    Long fromOffset;

    @Option(names = "--from-timestamp", paramLabel = "TIME",
            description = "Start at the first record at or after TIME: ms since the epoch or ISO-8601 "
                    + "(2026-11-26T05:00:00Z; without a zone, UTC).")
    String fromTimestamp;

    @Option(names = "--partition", paramLabel = "P",
            description = "Read only partition P, without a group: nothing is joined or committed.")
    Integer partition;

    @Option(names = "--max-messages", paramLabel = "N", description = "Exit after N messages.")
    Long maxMessages;

    @Option(names = "--print-key", description = "Print key<TAB>value instead of the value.")
    boolean printKey;

    @Option(names = "--timeout-ms", paramLabel = "T", description = "Exit after T ms without a record.")
    Long timeoutMs;

    /** Records printed so far. */
    private long consumed;

    public ConsumeCommand() {
    }

    @Override
    protected int run() {
        if (maxMessages != null && maxMessages < 1) {
            throw new ParameterException(spec.commandLine(), "--max-messages must be at least 1");
        }
        if (timeoutMs != null && timeoutMs < 0) {
            throw new ParameterException(spec.commandLine(), "--timeout-ms must not be negative");
        }
        StartPoint start = startPoint();
        if (partition != null) {
            return tailPartition(start);
        }
        if (group == null) {
            throw new ParameterException(spec.commandLine(),
                    "Missing required option: '--group=G' (or --partition P to read one partition without a group)");
        }
        ConsumerConfig config = ConsumerConfig.builder(group)
                .bootstrap(bootstrap.resolve())
                .autoOffsetReset(fromBeginning ? OffsetReset.EARLIEST : OffsetReset.LATEST)
                .clientId("strata-cli")
                .build();
        StrataConsumer consumer = new StrataConsumer(config);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            consumer.wakeup();
            try {
                closed.await(10, TimeUnit.SECONDS); // let the main thread leave the group
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "strata-consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            consumer.subscribe(List.of(topic));
            seek(consumer, start);
            consumeLoop(consumer);
        } catch (WakeupException e) {
            // Ctrl-C: leave the group below
        } finally {
            try {
                consumer.close();
            } finally {
                closed.countDown();
                removeHook(hook);
            }
        }
        err().printf("consumed %d messages%n", consumed);
        err().flush();
        return 0;
    }

    private StartPoint startPoint() {
        int given = (fromBeginning ? 1 : 0) + (fromOffset != null ? 1 : 0) + (fromTimestamp != null ? 1 : 0);
        if (given > 1) {
            throw new ParameterException(spec.commandLine(),
                    "give at most one of --from-beginning, --from-offset, --from-timestamp");
        }
        if (fromOffset != null && fromOffset < 0) {
            throw new ParameterException(spec.commandLine(), "--from-offset must not be negative, was " + fromOffset);
        }
        if (partition != null && partition < 0) {
            throw new ParameterException(spec.commandLine(), "--partition must not be negative, was " + partition);
        }
        if (partition != null && group != null) {
            throw new ParameterException(spec.commandLine(),
                    "--partition reads without a group; drop --group (or drop --partition to consume as a group member)");
        }
        if (fromOffset != null) {
            return new StartPoint(StartPoint.Kind.OFFSET, fromOffset);
        }
        if (fromTimestamp != null) {
            try {
                return new StartPoint(StartPoint.Kind.TIMESTAMP, StartPoint.parseTimestamp(fromTimestamp));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        return new StartPoint(fromBeginning ? StartPoint.Kind.BEGINNING : StartPoint.Kind.DEFAULT, 0);
    }

    /** --from-offset / --from-timestamp: every partition assigned at join starts there. */
    private static void seek(StrataConsumer consumer, StartPoint start) {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        switch (start.kind()) {
            case OFFSET -> assigned.forEach(tp -> consumer.seek(tp, start.value()));
            case TIMESTAMP -> consumer.seekToTimestamp(assigned, start.value());
            default -> { } // the group's committed offsets, else auto.offset.reset
        }
    }

    private int tailPartition(StartPoint start) {
        AtomicBoolean stop = new AtomicBoolean();
        Thread hook = new Thread(() -> stop.set(true), "strata-consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (PartitionTail tail = new PartitionTail(bootstrap.resolve(), topic, partition)) {
            consumed = tail.print(tail.resolve(start), maxMessages, timeoutMs, printKey, out(), stop::get);
        } finally {
            removeHook(hook);
        }
        err().printf("consumed %d messages%n", consumed);
        err().flush();
        return 0;
    }

    private void consumeLoop(StrataConsumer consumer) {
        PrintWriter out = out();
        long lastRecordNanos = System.nanoTime();
        while (maxMessages == null || consumed < maxMessages) {
            long pollMs = MAX_POLL_MS;
            if (timeoutMs != null) {
                long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRecordNanos);
                if (idleMs >= timeoutMs) {
                    break;
                }
                pollMs = Math.min(pollMs, timeoutMs - idleMs);
            }
            List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(pollMs));
            if (records.isEmpty()) {
                continue;
            }
            lastRecordNanos = System.nanoTime();
            Map<TopicPartition, Long> printed = new HashMap<>();
            // Partitions that returned nothing keep their start point (committed or auto.offset.reset).
            for (TopicPartition tp : consumer.assignment()) {
                if (records.stream().noneMatch(r -> r.topicPartition().equals(tp))) {
                    printed.put(tp, consumer.position(tp));
                }
            }
            for (ConsumerRecord r : records) {
                if (maxMessages != null && consumed >= maxMessages) {
                    break;
                }
                out.println(KeyValueLine.format(r.key(), r.value(), printKey));
                printed.put(r.topicPartition(), r.offset() + 1);
                consumed++;
            }
            out.flush();
            consumer.commitSync(printed);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (Ctrl-C): the hook is running
        }
    }
}
