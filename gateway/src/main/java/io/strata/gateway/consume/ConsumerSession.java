package io.strata.gateway.consume;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.Ack;
import io.strata.proto.Assignment;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ErrorReason;
import io.strata.proto.Join;
import io.strata.proto.OffsetSpec;
import io.strata.proto.Poll;
import io.strata.proto.PollResult;
import io.strata.proto.Seek;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One consumer-group member, living as long as its Subscribe stream. Requests are handled
 * strictly one after another (a poll that waits holds back the next request), and each is
 * answered with the same request id.
 *
 * <p>Group coordination is not here yet: a member is assigned every partition of its topics,
 * which is right for a group of one. Positions start at the group's committed offsets (or
 * {@code auto_offset_reset}); commits go to the metadata service.
 */
final class ConsumerSession implements StreamObserver<SubscribeRequest> {
    static final int DEFAULT_MAX_RECORDS = 500;
    static final int MAX_RECORDS_CAP = 100_000;
    static final int MAX_WAIT_CAP_MS = 60_000;

    private final StreamObserver<SubscribeResponse> out;
    private final MetadataCache cache;
    private final PartitionReader reader;
    private final GroupOffsets offsets;
    private final int fetchMaxBytes;
    private final Consumer<ConsumerSession> onClose;
    private final LinkedHashMap<TopicPartition, Long> positions = new LinkedHashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private volatile String group;
    private volatile String memberId;
    private volatile String clientId = "";
    private int rotation;
    private boolean closed;

    ConsumerSession(StreamObserver<SubscribeResponse> out, MetadataCache cache, PartitionReader reader,
                    GroupOffsets offsets, int fetchMaxBytes, Consumer<ConsumerSession> onClose) {
        this.out = out;
        this.cache = cache;
        this.reader = reader;
        this.offsets = offsets;
        this.fetchMaxBytes = fetchMaxBytes;
        this.onClose = onClose;
    }

    String group() {
        return group;
    }

    String memberId() {
        return memberId;
    }

    String clientId() {
        return clientId;
    }

    synchronized List<TopicPartition> assignment() {
        return List.copyOf(positions.keySet());
    }

    @Override
    public synchronized void onNext(SubscribeRequest request) {
        tail = tail.thenCompose(v -> {
            CompletableFuture<SubscribeResponse.Builder> f;
            try {
                f = handle(request);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            return f.handle((response, error) -> {
                SubscribeResponse.Builder r = error == null ? response
                        : SubscribeResponse.newBuilder().setError(StrataException.from(error).toDetail());
                send(r.setRequestId(request.getRequestId()).build());
                if (error == null && request.hasLeave()) {
                    finish();
                }
                return null;
            });
        });
    }

    private CompletableFuture<SubscribeResponse.Builder> handle(SubscribeRequest request) {
        if (request.getOpCase() != SubscribeRequest.OpCase.JOIN && memberId == null) {
            throw new StrataException(ErrorReason.UNKNOWN_MEMBER, "send 'join' before any other request");
        }
        return switch (request.getOpCase()) {
            case JOIN -> join(request.getJoin());
            case POLL -> poll(request.getPoll());
            case COMMIT -> CompletableFuture.completedFuture(commit(request.getCommit().getOffsetsList()));
            case SEEK -> seek(request.getSeek());
            case PAUSE -> CompletableFuture.completedFuture(pause(request.getPause().getPartitionsList(), true));
            case RESUME -> CompletableFuture.completedFuture(pause(request.getResume().getPartitionsList(), false));
            case LEAVE -> CompletableFuture.completedFuture(SubscribeResponse.newBuilder().setAck(Ack.getDefaultInstance()));
            case OP_NOT_SET -> throw Errors.invalid("the request names no operation (join, poll, commit, ...)");
        };
    }

    private CompletableFuture<SubscribeResponse.Builder> join(Join join) {
        if (memberId != null) {
            throw Errors.invalid("this session already joined group '" + group + "'");
        }
        GroupOffsets.validateGroup(join.getGroup());
        List<TopicRecord> topics = resolveTopics(join);
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicRecord t : topics) {
            for (int p = 0; p < t.getPartitionsCount(); p++) {
                partitions.add(TopicPartition.newBuilder().setTopic(t.getName()).setPartition(p).build());
            }
        }
        Map<TopicPartition, Long> committed = offsets.fetch(join.getGroup(), partitions);
        List<CompletableFuture<Void>> resets = new ArrayList<>();
        Map<TopicPartition, Long> start = new java.util.concurrent.ConcurrentHashMap<>(committed);
        for (TopicPartition tp : partitions) {
            if (committed.containsKey(tp)) {
                continue;
            }
            OffsetSpec spec = switch (join.getAutoOffsetReset()) {
                case OFFSET_RESET_EARLIEST -> OffsetSpec.OFFSET_SPEC_EARLIEST;
                case OFFSET_RESET_NONE -> throw new StrataException(ErrorReason.NO_OFFSET_FOR_PARTITION,
                        "group '" + join.getGroup() + "' has no committed offset for " + tp.getTopic() + "-"
                                + tp.getPartition() + " and auto_offset_reset is NONE");
                default -> OffsetSpec.OFFSET_SPEC_LATEST;
            };
            resets.add(reader.listOffset(tp.getTopic(), tp.getPartition(), spec, 0).thenAccept(o -> start.put(tp, o)));
        }
        return CompletableFuture.allOf(resets.toArray(new CompletableFuture[0])).thenApply(v -> {
            synchronized (this) {
                partitions.forEach(tp -> positions.put(tp, start.get(tp)));
                group = join.getGroup();
                clientId = join.getClientId();
                memberId = (join.getClientId().isEmpty() ? "member" : join.getClientId()) + "-" + UUID.randomUUID();
            }
            Assignment.Builder assignment = Assignment.newBuilder().setMemberId(memberId).setGroupEpoch(1)
                    .addAllPartitions(partitions);
            partitions.forEach(tp -> assignment.addPositions(position(tp, start.get(tp))));
            return SubscribeResponse.newBuilder().setAssignment(assignment);
        });
    }

    private List<TopicRecord> resolveTopics(Join join) {
        boolean hasList = join.getTopicsCount() > 0;
        boolean hasPattern = !join.getTopicPattern().isEmpty();
        if (hasList == hasPattern) {
            throw Errors.invalid("set exactly one of 'topics' and 'topic_pattern' in join");
        }
        if (hasList) {
            return join.getTopicsList().stream().distinct().map(cache::topic).toList();
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(join.getTopicPattern());
        } catch (PatternSyntaxException e) {
            throw Errors.invalid("topic_pattern is not a valid regular expression: " + e.getDescription());
        }
        return cache.image().getTopicsList().stream().filter(t -> pattern.matcher(t.getName()).matches()).toList();
    }

    private CompletableFuture<SubscribeResponse.Builder> poll(Poll poll) {
        if (poll.getMaxRecords() < 0 || poll.getMaxRecords() > MAX_RECORDS_CAP) {
            throw Errors.invalid("max_records must be between 0 and " + MAX_RECORDS_CAP + ", got " + poll.getMaxRecords());
        }
        if (poll.getMaxWaitMs() < 0 || poll.getMaxWaitMs() > MAX_WAIT_CAP_MS) {
            throw Errors.invalid("max_wait_ms must be between 0 and " + MAX_WAIT_CAP_MS + ", got " + poll.getMaxWaitMs());
        }
        if (poll.getMaxBytes() < 0) {
            throw Errors.invalid("max_bytes is negative (" + poll.getMaxBytes() + ")");
        }
        int maxRecords = poll.getMaxRecords() == 0 ? DEFAULT_MAX_RECORDS : poll.getMaxRecords();
        int maxBytes = poll.getMaxBytes() == 0 ? fetchMaxBytes : Math.min(poll.getMaxBytes(), fetchMaxBytes);
        List<Map.Entry<TopicPartition, Long>> active = activePartitions();
        return readAll(active, maxBytes, 0, maxRecords).thenCompose(chunks -> {
            if (hasRecords(chunks) || poll.getMaxWaitMs() == 0 || active.isEmpty()) {
                return CompletableFuture.completedFuture(chunks);
            }
            return readFirst(active, maxBytes, poll.getMaxWaitMs(), maxRecords);
        }).thenApply(chunks -> SubscribeResponse.newBuilder().setRecords(take(active, chunks, maxRecords)));
    }

    private synchronized List<Map.Entry<TopicPartition, Long>> activePartitions() {
        List<Map.Entry<TopicPartition, Long>> active = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : positions.entrySet()) {
            if (!paused.contains(e.getKey())) {
                active.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        if (!active.isEmpty()) {
            java.util.Collections.rotate(active, -(rotation++ % active.size()));
        }
        return active;
    }

    /** Reads every active partition and waits for all answers. */
    private CompletableFuture<List<PartitionReader.Chunk>> readAll(List<Map.Entry<TopicPartition, Long>> active,
                                                                   int maxBytes, int waitMs, int maxRecords) {
        List<CompletableFuture<PartitionReader.Chunk>> reads = startReads(active, maxBytes, waitMs, maxRecords);
        return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0]))
                .thenApply(v -> reads.stream().map(CompletableFuture::join).toList());
    }

    /** Long-polls every active partition; answers as soon as one has records (or all time out). */
    private CompletableFuture<List<PartitionReader.Chunk>> readFirst(List<Map.Entry<TopicPartition, Long>> active,
                                                                     int maxBytes, int waitMs, int maxRecords) {
        List<CompletableFuture<PartitionReader.Chunk>> reads = startReads(active, maxBytes, waitMs, maxRecords);
        CompletableFuture<List<PartitionReader.Chunk>> result = new CompletableFuture<>();
        Runnable answer = () -> result.complete(reads.stream().map(f -> f.getNow(null)).toList());
        for (CompletableFuture<PartitionReader.Chunk> r : reads) {
            r.thenAccept(c -> {
                if (!c.records().isEmpty()) {
                    answer.run();
                }
            });
        }
        CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                answer.run();
            }
        });
        return result;
    }

    private List<CompletableFuture<PartitionReader.Chunk>> startReads(List<Map.Entry<TopicPartition, Long>> active,
                                                                      int maxBytes, int waitMs, int maxRecords) {
        List<CompletableFuture<PartitionReader.Chunk>> reads = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : active) {
            reads.add(reader.read(e.getKey().getTopic(), e.getKey().getPartition(), e.getValue(), maxBytes, waitMs,
                    maxRecords));
        }
        return reads;
    }

    private static boolean hasRecords(List<PartitionReader.Chunk> chunks) {
        return chunks.stream().anyMatch(c -> c != null && !c.records().isEmpty());
    }

    /** Takes up to {@code maxRecords} records in partition order and advances positions past them. */
    private synchronized PollResult take(List<Map.Entry<TopicPartition, Long>> active,
                                         List<PartitionReader.Chunk> chunks, int maxRecords) {
        PollResult.Builder result = PollResult.newBuilder();
        for (int i = 0; i < active.size() && result.getRecordsCount() < maxRecords; i++) {
            PartitionReader.Chunk chunk = chunks.get(i);
            TopicPartition tp = active.get(i).getKey();
            // A seek while reading, or a missing answer, leaves the position alone.
            if (chunk == null || !active.get(i).getValue().equals(positions.get(tp))) {
                continue;
            }
            long next = positions.get(tp);
            for (ConsumedRecord r : chunk.records()) {
                if (result.getRecordsCount() >= maxRecords) {
                    break;
                }
                result.addRecords(r);
                next = r.getOffset() + 1;
            }
            positions.put(tp, next);
        }
        return result.build();
    }

    private SubscribeResponse.Builder commit(List<TopicPartitionOffset> requested) {
        List<TopicPartitionOffset> toCommit = new ArrayList<>(requested);
        if (toCommit.isEmpty()) {
            synchronized (this) {
                positions.forEach((tp, offset) -> toCommit.add(position(tp, offset)));
            }
        }
        offsets.commit(group, toCommit);
        return SubscribeResponse.newBuilder().setAck(Ack.newBuilder().addAllCommitted(toCommit));
    }

    private CompletableFuture<SubscribeResponse.Builder> seek(Seek seek) {
        TopicPartition tp = assigned(seek.getTopic(), seek.getPartition());
        CompletableFuture<Long> target = switch (seek.getTargetCase()) {
            case OFFSET -> {
                if (seek.getOffset() < 0) {
                    throw Errors.invalid("seek offset " + seek.getOffset() + " is negative");
                }
                yield CompletableFuture.completedFuture(seek.getOffset());
            }
            case TIMESTAMP_MS -> reader.listOffset(tp.getTopic(), tp.getPartition(),
                    OffsetSpec.OFFSET_SPEC_TIMESTAMP, seek.getTimestampMs());
            case BEGINNING -> reader.listOffset(tp.getTopic(), tp.getPartition(), OffsetSpec.OFFSET_SPEC_EARLIEST, 0);
            case END -> reader.listOffset(tp.getTopic(), tp.getPartition(), OffsetSpec.OFFSET_SPEC_LATEST, 0);
            case TARGET_NOT_SET -> throw Errors.invalid("seek names no target (offset, timestamp_ms, beginning, end)");
        };
        return target.thenApply(offset -> {
            synchronized (this) {
                positions.put(tp, offset);
            }
            return SubscribeResponse.newBuilder().setAck(Ack.newBuilder().addPositions(position(tp, offset)));
        });
    }

    private synchronized SubscribeResponse.Builder pause(List<TopicPartition> partitions, boolean pause) {
        for (TopicPartition tp : partitions) {
            assigned(tp.getTopic(), tp.getPartition());
        }
        if (pause) {
            paused.addAll(partitions);
        } else {
            partitions.forEach(paused::remove);
        }
        return SubscribeResponse.newBuilder().setAck(Ack.getDefaultInstance());
    }

    private synchronized TopicPartition assigned(String topic, int partition) {
        TopicPartition tp = TopicPartition.newBuilder().setTopic(topic).setPartition(partition).build();
        if (!positions.containsKey(tp)) {
            throw Errors.invalid(topic + "-" + partition + " is not assigned to this member; assigned: "
                    + positions.keySet().stream().map(t -> t.getTopic() + "-" + t.getPartition()).toList());
        }
        return tp;
    }

    private static TopicPartitionOffset position(TopicPartition tp, long offset) {
        return TopicPartitionOffset.newBuilder().setTopic(tp.getTopic()).setPartition(tp.getPartition())
                .setOffset(offset).build();
    }

    private void send(SubscribeResponse response) {
        synchronized (out) {
            if (!closed) {
                try {
                    out.onNext(response);
                } catch (RuntimeException e) {
                    closed = true;
                }
            }
        }
    }

    private void finish() {
        synchronized (out) {
            if (!closed) {
                closed = true;
                try {
                    out.onCompleted();
                } catch (RuntimeException ignored) {
                    // already cancelled
                }
            }
        }
        onClose.accept(this);
    }

    @Override
    public void onError(Throwable t) {
        synchronized (out) {
            closed = true;
        }
        onClose.accept(this);
    }

    @Override
    public synchronized void onCompleted() {
        tail.whenComplete((v, e) -> finish());
    }
}
