package io.strata.gateway.consume;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.Ack;
import io.strata.proto.Assignment;
import io.strata.proto.ErrorReason;
import io.strata.proto.Join;
import io.strata.proto.OffsetSpec;
import io.strata.proto.Poll;
import io.strata.proto.Seek;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicPartition;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.GroupHeartbeatRequest;
import io.strata.proto.internal.GroupHeartbeatResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer-group member, living as long as its Subscribe stream. Requests are handled
 * strictly one after another (a poll that waits holds back the next request), and each is
 * answered with the same request id. Assignment changes are pushed as they happen. A request
 * that waited behind another is handled on {@code metadataWaits}, not on the thread that
 * finished the one before (a transport thread when that was a poll: storage-node answers are
 * handled there, and a commit or a join waits on the metadata service).
 *
 * <p>Membership: {@code join} joins the group at the coordinator (the metadata Raft leader) and
 * {@link GroupMembership} heartbeats from then on. Each answer says which partitions the member
 * may read; new ones start at the group's committed offset (or {@code auto_offset_reset}), and
 * ones taken away are revoked: they are not read again (a poll in progress drops their records)
 * and are pushed as {@code revoked}. Closing the stream, or {@code leave}, leaves the group at once.
 *
 * <p>The revocation rule — when the member confirms to the coordinator that it let go of a revoked
 * partition, so that the partition can go to its new owner: with {@code join.confirm_revocations},
 * when the client sends {@code release} for it (it may still commit the partition's position until
 * then — the Java client commits in its revocation callback, as Kafka's consumer does), or at the
 * latest one session timeout after the revocation; without it, at once. A commit of a partition
 * after its release is refused by the coordinator (STALE_MEMBER_EPOCH). Either way the new owner
 * starts from the last committed offset, so records are delivered at least once.
 */
final class ConsumerSession implements StreamObserver<SubscribeRequest>, GroupMembership.Listener {
    private static final Logger log = LoggerFactory.getLogger(ConsumerSession.class);
    static final int DEFAULT_MAX_RECORDS = 500;
    static final int MAX_RECORDS_CAP = 100_000;
    static final int MAX_WAIT_CAP_MS = 60_000;

    private final StreamObserver<SubscribeResponse> out;
    private final MetadataCache cache;
    private final PartitionReader reader;
    private final ReadAhead readAhead;
    private final GroupOffsets offsets;
    private final StartPositions starts;
    private final CoordinatorLink link;
    private final Executor metadataWaits;
    private final Duration requestTimeout;
    private final int fetchMaxBytes;
    private final SessionAssignment assignment = new SessionAssignment();
    /**
     * Held while an assignment change is applied and pushed, and while a poll picks the partitions
     * it reads: a poll that reads a newly given partition starts after the push announcing it was
     * sent, so the client never receives records of a partition before learning it owns it.
     */
    private final Object announce = new Object();
    /** This session's commits so far: each commit carries its number (see GroupOffsets#commit). */
    private final AtomicLong commits = new AtomicLong();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private volatile Join join;
    private volatile GroupMembership membership;
    /** Set once the answer to join was sent: only then are assignment changes adopted and pushed. */
    private volatile boolean joinAnswered;
    private boolean closed;

    ConsumerSession(StreamObserver<SubscribeResponse> out, MetadataCache cache, PartitionReader reader,
                    GroupOffsets offsets, CoordinatorLink link, Executor metadataWaits, Duration requestTimeout,
                    int fetchMaxBytes) {
        this.out = out;
        this.cache = cache;
        this.reader = reader;
        this.readAhead = new ReadAhead(reader);
        this.offsets = offsets;
        this.starts = new StartPositions(offsets, reader);
        this.link = link;
        this.metadataWaits = metadataWaits;
        this.requestTimeout = requestTimeout;
        this.fetchMaxBytes = fetchMaxBytes;
    }

    @Override
    public synchronized void onNext(SubscribeRequest request) {
        Function<Void, CompletableFuture<Void>> next = v -> {
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
                if (error == null && request.hasJoin()) {
                    joinAnswered = true;
                    membership.beatSoon(); // catch up with anything that changed while joining
                }
                if (error == null && request.hasLeave()) {
                    finish();
                }
                return null;
            });
        };
        // At once when nothing is in progress (the common case: clients wait for each poll's answer).
        tail = tail.isDone() ? tail.thenCompose(next) : tail.thenComposeAsync(next, metadataWaits);
    }

    private CompletableFuture<SubscribeResponse.Builder> handle(SubscribeRequest request) {
        if (request.getOpCase() != SubscribeRequest.OpCase.JOIN && membership == null) {
            throw new StrataException(ErrorReason.UNKNOWN_MEMBER, "send 'join' before any other request");
        }
        return switch (request.getOpCase()) {
            case JOIN -> join(request.getJoin());
            case POLL -> poll(request.getPoll());
            case COMMIT -> CompletableFuture.completedFuture(commit(request.getCommit().getOffsetsList()));
            case SEEK -> seek(request.getSeek());
            case PAUSE -> paused(request.getPause().getPartitionsList(), true);
            case RESUME -> paused(request.getResume().getPartitionsList(), false);
            case RELEASE -> CompletableFuture.completedFuture(release(request.getRelease().getPartitionsList()));
            case LEAVE -> membership.leave().thenApply(v -> SubscribeResponse.newBuilder().setAck(Ack.getDefaultInstance()));
            case OP_NOT_SET -> throw Errors.invalid("the request names no operation (join, poll, commit, ...)");
        };
    }

    private CompletableFuture<SubscribeResponse.Builder> join(Join request) {
        if (membership != null) {
            throw Errors.invalid("this session already joined group '" + join.getGroup() + "'");
        }
        GroupOffsets.validateGroup(request.getGroup());
        validateSubscription(request);
        String memberId = (request.getClientId().isEmpty() ? "member" : request.getClientId()) + "-" + UUID.randomUUID();
        GroupHeartbeatRequest joining = GroupHeartbeatRequest.newBuilder().setGroup(request.getGroup())
                .setMemberId(memberId).setMemberEpoch(0).setClientId(request.getClientId())
                .setGateway(link.gatewayAddress()).addAllTopics(request.getTopicsList())
                .setTopicPattern(request.getTopicPattern()).setSessionTimeoutMs(request.getSessionTimeoutMs())
                .setAssignor(request.getAssignor()).build();
        GroupMembership member = new GroupMembership(link, joining, this, requestTimeout);
        join = request;
        membership = member;
        return member.join().thenCompose(r -> {
            assignment.update(r.getAssignmentList(), System.nanoTime()); // held from now on, read once started
            return starts.resolve(request.getGroup(), assignment.starting(), request.getAutoOffsetReset())
                    .thenApply(positions -> {
                        synchronized (announce) {
                            assignment.grant(positions);
                        }
                        return SubscribeResponse.newBuilder().setAssignment(assignmentEvent(r,
                                assignment.assigned(), List.of()));
                    });
        })
                .whenComplete((r, e) -> {
                    if (e != null) {
                        member.leave(); // joined, perhaps, but never told the client: do not linger
                        assignment.clear(); // a later join on this stream starts afresh
                        synchronized (this) {
                            membership = null;
                        }
                    }
                });
    }

    /** Topics must exist when named; a pattern must compile (it is matched by the coordinator). */
    private void validateSubscription(Join request) {
        boolean hasList = request.getTopicsCount() > 0;
        boolean hasPattern = !request.getTopicPattern().isEmpty();
        if (hasList == hasPattern) {
            throw Errors.invalid("set exactly one of 'topics' and 'topic_pattern' in join");
        }
        request.getTopicsList().forEach(cache::topic);
        if (hasPattern) {
            try {
                Pattern.compile(request.getTopicPattern());
            } catch (PatternSyntaxException e) {
                throw Errors.invalid("topic_pattern is not a valid regular expression: " + e.getDescription());
            }
        }
    }

    private Assignment.Builder assignmentEvent(GroupHeartbeatResponse r, List<TopicPartition> started,
                                               List<TopicPartition> revoked) {
        return Assignment.newBuilder().setMemberId(membership.memberId()).setGroupEpoch(r.getGroupEpoch())
                .setMemberEpoch(r.getMemberEpoch()).addAllPartitions(assignment.assigned())
                .addAllPositions(assignment.positionsOf(started)).addAllRevoked(revoked);
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
        TopicPartition unpositioned = assignment.unpositioned();
        if (unpositioned != null) {
            throw new StrataException(ErrorReason.NO_OFFSET_FOR_PARTITION, "group '" + join.getGroup()
                    + "' has no committed offset for " + unpositioned.getTopic() + "-" + unpositioned.getPartition()
                    + " and auto_offset_reset is NONE; seek it first");
        }
        int maxRecords = poll.getMaxRecords() == 0 ? DEFAULT_MAX_RECORDS : poll.getMaxRecords();
        List<Map.Entry<TopicPartition, Long>> readable;
        synchronized (announce) {
            readable = assignment.readable();
        }
        int maxBytes = ReadAhead.partitionBytes(poll.getMaxBytes() == 0 ? fetchMaxBytes
                : Math.min(poll.getMaxBytes(), fetchMaxBytes), readable.size());
        boolean raw = poll.getRawBatches();
        List<Chunk> ready = readAhead.ready(readable, raw);
        CompletableFuture<List<Chunk>> chunks = ReadAhead.hasRecords(ready) ? CompletableFuture.completedFuture(ready)
                : readAhead.readAll(readable, maxBytes, raw).thenCompose(all -> {
                    if (ReadAhead.hasRecords(all) || poll.getMaxWaitMs() == 0 || readable.isEmpty()) {
                        return CompletableFuture.completedFuture(all);
                    }
                    return readAhead.readFirst(readable, maxBytes, poll.getMaxWaitMs(), raw);
                });
        return chunks.thenApply(all -> {
            SessionAssignment.Taken taken = assignment.take(readable, all, maxRecords);
            readAhead.afterPoll(taken.positions(), taken.rest(), maxBytes, raw);
            return SubscribeResponse.newBuilder().setRecords(taken.result());
        });
    }

    private SubscribeResponse.Builder commit(List<TopicPartitionOffset> requested) {
        List<TopicPartitionOffset> toCommit = requested.isEmpty() ? assignment.positions() : requested;
        offsets.commit(join.getGroup(), toCommit, membership.memberId(), commits.incrementAndGet());
        return SubscribeResponse.newBuilder().setAck(Ack.newBuilder().addAllCommitted(toCommit));
    }

    private CompletableFuture<SubscribeResponse.Builder> seek(Seek seek) {
        TopicPartition tp = assignment.requireAssigned(seek.getTopic(), seek.getPartition());
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
            if (!assignment.seek(tp, offset)) {
                throw Errors.invalid(tp.getTopic() + "-" + tp.getPartition() + " was revoked during the seek");
            }
            return SubscribeResponse.newBuilder().setAck(Ack.newBuilder()
                    .addPositions(SessionAssignment.position(tp, offset)));
        });
    }

    private CompletableFuture<SubscribeResponse.Builder> paused(List<TopicPartition> partitions, boolean pause) {
        assignment.pause(partitions, pause);
        return CompletableFuture.completedFuture(SubscribeResponse.newBuilder().setAck(Ack.getDefaultInstance()));
    }

    private SubscribeResponse.Builder release(List<TopicPartition> partitions) {
        List<TopicPartition> released = assignment.release(partitions);
        if (!released.isEmpty()) {
            membership.beatSoon();
        }
        return SubscribeResponse.newBuilder().setAck(Ack.newBuilder().addAllReleased(released));
    }

    // ------------------------------------------------------------------ GroupMembership.Listener

    @Override
    public List<TopicPartition> held() {
        return assignment.held();
    }

    /**
     * Adopts an answer in two steps: revocations (and partitions given back before their release)
     * are applied and pushed at once; new partitions are pushed once their start positions are
     * known (a failed lookup is retried with the next answer, the partitions held meanwhile).
     */
    @Override
    public void adopt(GroupHeartbeatResponse r) {
        if (!joinAnswered) {
            return; // the next answer after the join's carries the whole assignment again
        }
        synchronized (announce) {
            SessionAssignment.Change change = assignment.update(r.getAssignmentList(), System.nanoTime());
            if (!join.getConfirmRevocations() && !assignment.release(change.revoked()).isEmpty()) {
                membership.beatSoon();
            }
            if (!change.isEmpty()) {
                push(r, change.restored(), change.revoked());
            }
        }
        List<TopicPartition> starting = assignment.starting();
        if (starting.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> positions;
        try {
            positions = starts.resolve(join.getGroup(), starting, join.getAutoOffsetReset())
                    .get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.info("member {}: no start positions for {} yet ({}); retrying", membership.memberId(), starting,
                    StrataException.from(e).getMessage());
            return;
        }
        synchronized (announce) {
            List<TopicPartition> started = assignment.grant(positions);
            if (!started.isEmpty()) {
                push(r, started, List.of());
            }
        }
    }

    private void push(GroupHeartbeatResponse r, List<TopicPartition> started, List<TopicPartition> revoked) {
        send(SubscribeResponse.newBuilder().setAssignment(assignmentEvent(r, started, revoked)).build());
    }

    @Override
    public void releaseRevokedBefore(long nanos) {
        List<TopicPartition> released = assignment.releaseRevokedBefore(nanos);
        if (!released.isEmpty()) {
            log.info("member {} did not release {} within its session timeout; released them", membership.memberId(),
                    released);
        }
    }

    @Override
    public void fenced(StrataException why) {
        assignment.clear();
        send(SubscribeResponse.newBuilder().setError(why.toDetail()).build());
        finish();
    }

    // ------------------------------------------------------------------ stream plumbing

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

    /** Ends the stream (if still open) and leaves the group. */
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
        leaveGroup();
    }

    private void leaveGroup() {
        GroupMembership m = membership;
        if (m != null) {
            m.leave();
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (out) {
            closed = true;
        }
        leaveGroup();
    }

    @Override
    public synchronized void onCompleted() {
        tail.whenComplete((v, e) -> finish());
    }
}
