package io.strata.client.consumer;

import io.grpc.ManagedChannel;
import io.strata.client.StrataChannels;
import io.strata.client.StrataClientException;
import io.strata.client.TopicPartition;
import io.strata.proto.Commit;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorReason;
import io.strata.proto.Join;
import io.strata.proto.Leave;
import io.strata.proto.PauseResume;
import io.strata.proto.Poll;
import io.strata.proto.Release;
import io.strata.proto.Seek;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicPartitionOffset;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer-group member reading records through a Strata gateway.
 *
 * <p><b>Session.</b> {@link #subscribe} opens a {@code Consumer.Subscribe} stream and joins the
 * group; the gateway answers with this member's assignment and pushes a new one whenever the
 * group rebalances. {@link #poll}, commits and seeks are requests on that stream, answered in
 * order. If the session dies (the gateway went away, or the member was removed), the next
 * {@code poll} joins again and returns no records; consumption then resumes from the group's
 * committed offsets.
 *
 * <p><b>Rebalances.</b> Pushed assignments are adopted inside {@link #poll} (before it asks for
 * records, and again when the records arrive), never in the middle of the application's work. A
 * revoked partition is first reported to the {@link ConsumerRebalanceListener} — still owned, so
 * its position can be committed there, as with Kafka's consumer — then forgotten and released to
 * the group, which only then hands it to its new owner. Records of a partition this consumer no
 * longer owns are never returned. {@link #assignment()} shows the adopted assignment.
 *
 * <p><b>Positions and commits.</b> The consumer remembers, per assigned partition, where it reads
 * next: the start point the gateway reported at join, then the offset after the last record
 * {@code poll} returned, or a seek's resolved target. {@link #commitSync()} commits exactly those
 * positions, so only records the application has seen are committed (at-least-once: commit
 * after processing). Positions are forgotten for partitions no longer
 * assigned and when the session is re-created.
 *
 * <p><b>Subscriptions.</b> A list of topics, or a {@link Pattern}: the group coordinator matches the
 * pattern against every topic, and a topic created later that matches is assigned to the group at
 * once (the coordinator rebalances on topic creation), as with KIP-848's server-side regex.
 *
 * <p><b>Async commits and pausing.</b> {@link #commitAsync} sends a commit without waiting; its
 * callback runs on this consumer's thread inside a later call. {@link #pause} stops the gateway from
 * returning records of some partitions while they stay assigned; {@link #resume} starts them again.
 *
 * <p><b>Thread-safety.</b> Like Kafka's consumer this class is <em>not</em> thread-safe: use it from
 * one thread at a time (concurrent use fails with {@link ConcurrentModificationException}). The
 * exceptions are {@link #wakeup()}, which any thread may call to make a blocked call throw
 * {@link WakeupException}, and {@link #assignment()}, which may be read from any thread.
 */
public final class StrataConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StrataConsumer.class);
    private static final long NO_OWNER = -1;

    private final ConsumerConfig config;
    private final ManagedChannel channel;
    private final ConsumerGrpc.ConsumerStub stub;
    private final AtomicLong owner = new AtomicLong(NO_OWNER);
    private final MemberAssignment member = new MemberAssignment();
    private final Wakeup wakeup = new Wakeup();

    private ConsumerRebalanceListener listener = new ConsumerRebalanceListener() { };
    private List<String> subscription = List.of();
    /** The subscribed pattern, or null for a topic list. */
    private Pattern subscriptionPattern;
    /** Partitions paused on the current session (a new session starts unpaused, as the gateway's does). */
    private final Set<TopicPartition> paused = new HashSet<>();
    private final FetchedRecords fetched = new FetchedRecords();
    private final AsyncCommits asyncCommits = new AsyncCommits();
    private SubscribeSession session;
    /**
     * Polls sent and not yet returned, oldest first: sent ahead while records flow, or one whose
     * wait was interrupted by wakeup or timed out. The gateway answers them in order.
     */
    private final ArrayDeque<PendingPoll> polls = new ArrayDeque<>();
    private boolean closed;
    /** Nesting depth of public calls on the owning thread. */
    private int reentrancy;

    public StrataConsumer(ConsumerConfig config) {
        this.config = config;
        this.channel = StrataChannels.open(config.bootstrap());
        this.stub = ConsumerGrpc.newStub(channel);
    }

    /**
     * Joins the group consuming {@code topics} and waits for the first assignment. Subscribing
     * again with other topics leaves the group and joins anew.
     *
     * @throws StrataClientException e.g. UNKNOWN_TOPIC, or NODE_UNAVAILABLE when no gateway answers
     */
    public void subscribe(Collection<String> topics) {
        subscribe(topics, new ConsumerRebalanceListener() { });
    }

    /**
     * As {@link #subscribe(Collection)}, telling {@code listener} (inside {@link #poll}) whenever the
     * group moves partitions to or from this consumer.
     */
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        acquire();
        try {
            this.listener = java.util.Objects.requireNonNull(listener, "listener");
            ensureOpen();
            if (topics == null || topics.isEmpty()) {
                throw new IllegalArgumentException("subscribe needs at least one topic");
            }
            List<String> wanted = List.copyOf(new LinkedHashSet<>(topics));
            if (wanted.equals(subscription) && subscriptionPattern == null && session != null && session.isOpen()) {
                return;
            }
            if (session != null) {
                leaveQuietly(config.requestTimeout());
            }
            subscription = wanted;
            subscriptionPattern = null;
            join();
        } finally {
            release();
        }
    }

    /**
     * Joins the group consuming every topic whose whole name matches {@code pattern} (a Java regular
     * expression), including topics created later; waits for the first assignment. Subscribing again
     * with anything else leaves the group and joins anew.
     *
     * @throws StrataClientException INVALID_ARGUMENT when the gateway cannot compile the pattern
     */
    public void subscribe(Pattern pattern) {
        subscribe(pattern, new ConsumerRebalanceListener() { });
    }

    /** As {@link #subscribe(Pattern)}, telling {@code listener} (inside {@link #poll}) of every rebalance. */
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        acquire();
        try {
            this.listener = java.util.Objects.requireNonNull(listener, "listener");
            ensureOpen();
            java.util.Objects.requireNonNull(pattern, "pattern");
            if (subscriptionPattern != null && subscriptionPattern.pattern().equals(pattern.pattern())
                    && session != null && session.isOpen()) {
                return;
            }
            if (session != null) {
                leaveQuietly(config.requestTimeout());
            }
            subscription = List.of();
            subscriptionPattern = pattern;
            join();
        } finally {
            release();
        }
    }

    /**
     * Returns the next records of the assigned partitions, waiting up to {@code timeout} for the
     * first one. At most {@code max.poll.records} records.
     *
     * @throws StrataClientException when the gateway rejects the poll (e.g. NO_OFFSET_FOR_PARTITION)
     * @throws WakeupException       when {@link #wakeup()} was called
     */
    public List<ConsumerRecord> poll(Duration timeout) {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            asyncCommits.runCompleted();
            wakeup.throwIfRequested();
            if (!session.isOpen()) {
                rejoin(session.failure());
                return List.of();
            }
            int maxWaitMs = (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
            adoptPushedAssignments();
            boolean waited = false;
            int remainingMs = maxWaitMs;
            while (true) {
                List<ConsumerRecord> records = fetched.take(config.maxPollRecords(), member, paused);
                if (!records.isEmpty()) {
                    sendPollsAhead();
                    return records;
                }
                if (waited) {
                    return records; // the wait is over
                }
                if (polls.isEmpty() && session.isOpen()) {
                    sendPoll(remainingMs);
                }
                PendingPoll next = polls.peekFirst();
                if (next == null) { // the session ended since this poll began
                    rejoin(session.failure());
                    return List.of();
                }
                waited = next.waitMs() >= remainingMs; // else a poll sent ahead answered first: wait next
                SubscribeAnswer answer;
                try {
                    answer = await(next.answer(), next.waitMs() + config.requestTimeout().toMillis(), "poll");
                } catch (StrataClientException e) {
                    if (next.answer().isDone()) {
                        polls.removeFirst(); // answered with an error; a timed-out poll may still be answered
                    }
                    if (!session.isOpen()) {
                        rejoin(e);
                        return List.of();
                    }
                    throw e;
                }
                polls.removeFirst();
                // Assignments pushed before these records arrived (a partition's records never precede its grant).
                adoptPushedAssignments();
                asyncCommits.runCompleted();
                keep(answer);
                remainingMs = (int) Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            }
        } finally {
            release();
        }
    }

    /**
     * Before poll returns records: keeps {@code fetch.max.in.flight} polls on their way, none
     * waiting (a waiting poll would hold up commits and seeks), so that answers travel while the
     * application processes what it got (as Kafka's fetcher does), and the gateway sends the next
     * while this consumer decodes the last. An answer that a seek, a revocation or a rejoin has made
     * stale is dropped by {@link FetchedRecords}.
     */
    private void sendPollsAhead() {
        while (polls.size() < config.fetchMaxInFlight() && session.isOpen()) {
            sendPoll(0);
        }
    }

    private void sendPoll(int maxWaitMs) {
        polls.addLast(new PendingPoll(session.request(SubscribeRequest.newBuilder().setPoll(Poll.newBuilder()
                .setMaxRecords(config.fetchMaxRecords())
                .setMaxWaitMs(maxWaitMs)
                .setRawBatches(true))), maxWaitMs)); // batches as stored: decoded here, not record by record at the gateway
    }

    /** A poll sent to the gateway, which may hold it up to {@code waitMs} for records. */
    private record PendingPoll(CompletableFuture<SubscribeAnswer> answer, int waitMs) {
    }

    /**
     * Keeps a poll's records until polls return them (whole batches may hold more than one poll
     * returns); throws CORRUPT_BATCH after keeping the partitions before a corrupt one.
     */
    private void keep(SubscribeAnswer answer) {
        Map<TopicPartition, List<ConsumerRecord>> decoded = new LinkedHashMap<>();
        for (ConsumerRecord r : answer.records()) {
            decoded.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>()).add(r);
        }
        decoded.forEach((tp, records) -> {
            Long position = member.position(tp);
            fetched.add(tp, records, position != null ? position : records.get(0).offset(),
                    records.get(records.size() - 1).offset() + 1);
        });
        for (SubscribeAnswer.PartitionRecords b : answer.batches()) {
            fetched.add(new TopicPartition(b.from().getTopic(), b.from().getPartition()), b.records(),
                    b.from().getStartOffset(), b.from().getNextOffset());
        }
        if (answer.corrupt() != null) {
            throw answer.corrupt();
        }
    }

    /**
     * Commits the position of every assigned partition, as Kafka's consumer does: after the last
     * record {@link #poll} returned, or where a seek or the group's start point (committed
     * offset or auto.offset.reset) put it, so partitions that returned nothing yet keep their
     * start point too.
     */
    public void commitSync() {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            Map<TopicPartition, Long> owned = member.ownedPositions();
            if (!owned.isEmpty()) {
                commit(owned);
            }
        } finally {
            release();
        }
    }

    /**
     * Commits the position of every assigned partition (as {@link #commitSync()}) without waiting.
     * Failures are only logged; use {@link #commitAsync(OffsetCommitCallback)} to hear of them.
     */
    public void commitAsync() {
        commitAsync(null);
    }

    /**
     * Commits the position of every assigned partition without waiting; {@code callback} (may be
     * null) runs on this thread inside a later {@code poll}, commit or {@code close}.
     */
    public void commitAsync(OffsetCommitCallback callback) {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            commitAsync(member.ownedPositions(), callback);
        } finally {
            release();
        }
    }

    /** Commits the given offsets (next offset to consume per partition) without waiting; see {@link #commitAsync(OffsetCommitCallback)}. */
    public void commitAsync(Map<TopicPartition, Long> offsets, OffsetCommitCallback callback) {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            asyncCommits.runCompleted();
            Map<TopicPartition, Long> copy = Map.copyOf(offsets);
            if (copy.isEmpty()) {
                if (callback != null) {
                    callback.onComplete(copy, null);
                }
                return;
            }
            CompletableFuture<SubscribeAnswer> answer = session.request(
                    SubscribeRequest.newBuilder().setCommit(commitOf(copy)));
            answer.whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("async commit of {} for group '{}' failed: {}", copy.keySet(), config.group(), e.toString());
                }
            });
            asyncCommits.track(answer, copy, callback);
        } finally {
            release();
        }
    }

    /**
     * Stops returning records of {@code partitions} from {@link #poll} until they are resumed; they
     * stay assigned (no rebalance), and their positions stay where they are.
     *
     * @throws IllegalStateException when a partition is not assigned to this consumer
     */
    public void pause(Collection<TopicPartition> partitions) {
        pauseOrResume(partitions, true);
    }

    /** Returns records of paused {@code partitions} again from the next {@link #poll}. */
    public void resume(Collection<TopicPartition> partitions) {
        pauseOrResume(partitions, false);
    }

    /** The assigned partitions that are paused now. */
    public Set<TopicPartition> paused() {
        acquire();
        try {
            Set<TopicPartition> out = new java.util.TreeSet<>(paused);
            out.retainAll(assignment());
            return java.util.Collections.unmodifiableSet(out);
        } finally {
            release();
        }
    }

    /**
     * Commits the given offsets: for each partition, the next offset to consume (last processed + 1).
     */
    public void commitSync(Map<TopicPartition, Long> offsets) {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            if (!offsets.isEmpty()) {
                commit(offsets);
            }
        } finally {
            release();
        }
    }

    /** Moves this member's position on an assigned partition to {@code offset}; the next poll reads from there. */
    public void seek(TopicPartition partition, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("seek offset must be >= 0, was " + offset + " for " + partition);
        }
        seekAll(List.of(partition), b -> b.setOffset(offset), "seek to offset " + offset);
        member.position(partition, offset);
    }

    /** As {@link #seek(TopicPartition, long)}. */
    public void seek(String topic, int partition, long offset) {
        seek(new TopicPartition(topic, partition), offset);
    }

    /** Moves to the earliest retained offset of each partition; an empty collection means every assigned one. */
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        seekAll(orAssigned(partitions), b -> b.setBeginning(true), "seek to beginning");
    }

    /** Moves to the end of the log of each partition; an empty collection means every assigned one. */
    public void seekToEnd(Collection<TopicPartition> partitions) {
        seekAll(orAssigned(partitions), b -> b.setEnd(true), "seek to end");
    }

    /** Moves to the first offset whose timestamp is at or after {@code timestampMs}; empty means every assigned one. */
    public void seekToTimestamp(Collection<TopicPartition> partitions, long timestampMs) {
        seekAll(orAssigned(partitions), b -> b.setTimestampMs(timestampMs), "seek to timestamp " + timestampMs);
    }

    /** The partitions currently assigned to this member (the assignment adopted last). Thread-safe. */
    public Set<TopicPartition> assignment() {
        return member.current().partitions();
    }

    /**
     * The offset this member reads next on an assigned partition (what {@link #commitSync()}
     * would commit for it), as Kafka's {@code position()}.
     *
     * @throws IllegalStateException if the partition is not assigned to this member
     */
    public long position(TopicPartition partition) {
        acquire();
        try {
            Long p = member.position(partition);
            if (p == null) {
                throw new IllegalStateException(partition + " is not assigned to this consumer, or needs a seek;"
                        + " assigned: " + assignment());
            }
            return p;
        } finally {
            release();
        }
    }

    /** This member's id in the group, or empty before the first assignment. Thread-safe. */
    public String memberId() {
        return member.current().memberId();
    }

    /** The group epoch of the current assignment, -1 before the first. Thread-safe. */
    public int groupEpoch() {
        return member.current().groupEpoch();
    }

    /** The subscribed topics; with a pattern subscription, the topics of the current assignment. */
    public List<String> subscription() {
        if (subscriptionPattern != null) {
            return assignment().stream().map(TopicPartition::topic).distinct().sorted().toList();
        }
        return subscription;
    }

    /**
     * Makes the current or next blocking call ({@code poll}, commit, seek) throw {@link WakeupException}.
     * Thread-safe; meant for shutdown hooks.
     */
    public void wakeup() {
        wakeup.request();
    }

    /**
     * Tells the rebalance listener its partitions are revoked (it may commit them), leaves the group
     * (waiting up to the request timeout for the gateway), then closes the channel. Idempotent.
     */
    @Override
    public void close() {
        close(config.requestTimeout());
    }

    /** Leaves the group, waiting up to {@code timeout}, then closes the channel. Idempotent. */
    public void close(Duration timeout) {
        acquire();
        try {
            if (closed) {
                return;
            }
            if (session != null) {
                asyncCommits.awaitInFlight(timeout.toMillis()); // their callbacks run before leaving
                leaveQuietly(timeout); // the rebalance listener may still commit
            }
            closed = true;
            StrataChannels.close(channel, Duration.ofSeconds(5));
        } finally {
            release();
        }
    }

    private void join() {
        member.reset();
        paused.clear();
        fetched.clear();
        polls.clear();
        session = SubscribeSession.open(stub, member::push);
        Join.Builder join = Join.newBuilder()
                .setGroup(config.group())
                .setAutoOffsetReset(config.autoOffsetReset().toProto())
                .setClientId(config.clientId())
                .setSessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .setAssignor(config.assignor())
                .setConfirmRevocations(true);
        if (subscriptionPattern != null) {
            join.setTopicPattern(subscriptionPattern.pattern());
        } else {
            join.addAllTopics(subscription);
        }
        CompletableFuture<SubscribeAnswer> joined = session.request(SubscribeRequest.newBuilder().setJoin(join));
        try {
            SubscribeResponse response = await(joined, config.requestTimeout().toMillis(), "join").response();
            if (!response.hasAssignment()) {
                throw new StrataClientException(ErrorReason.INTERNAL,
                        "gateway answered join of group '" + config.group() + "' without an assignment");
            }
            member.adoptJoin(response.getAssignment());
        } catch (RuntimeException e) {
            session.cancel("join failed");
            throw e;
        }
        LOG.debug("joined group '{}' as {} (epoch {}): {}", config.group(), memberId(), groupEpoch(), assignment());
    }

    private void rejoin(StrataClientException cause) {
        LOG.warn("consumer session of group '{}' ended ({}); joining again", config.group(),
                cause == null ? "unknown cause" : cause.toString());
        session.cancel("rejoining");
        Set<TopicPartition> lost = assignment();
        member.reset();
        if (!lost.isEmpty()) {
            listener.onPartitionsLost(lost);
        }
        join();
    }

    /** Adopts pushed assignments: the listener hears of revocations, then the partitions are released. */
    private void adoptPushedAssignments() {
        member.adoptPushed(listener, revoked -> {
            Release.Builder release = Release.newBuilder();
            revoked.forEach(tp -> release.addPartitions(tp.toProto()));
            session.request(SubscribeRequest.newBuilder().setRelease(release)).whenComplete((r, e) -> {
                if (e != null) {
                    LOG.debug("releasing {} failed ({}); the gateway releases them after the session timeout",
                            revoked, e.toString());
                }
            });
        });
    }

    private void commit(Map<TopicPartition, Long> offsets) {
        asyncCommits.runCompleted();
        await(session.request(SubscribeRequest.newBuilder().setCommit(commitOf(offsets))),
                config.requestTimeout().toMillis(), "commit");
        asyncCommits.runCompleted(); // answers come in order: earlier async commits are done
    }

    private static Commit.Builder commitOf(Map<TopicPartition, Long> offsets) {
        Commit.Builder commit = Commit.newBuilder();
        offsets.forEach((tp, offset) -> commit.addOffsets(TopicPartitionOffset.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition()).setOffset(offset)));
        return commit;
    }

    private void pauseOrResume(Collection<TopicPartition> partitions, boolean pause) {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            Set<TopicPartition> assigned = assignment();
            PauseResume.Builder request = PauseResume.newBuilder();
            for (TopicPartition tp : partitions) {
                if (!assigned.contains(tp)) {
                    throw new IllegalStateException("cannot " + (pause ? "pause " : "resume ") + tp
                            + ": it is not assigned to this consumer; assigned: " + assigned);
                }
                request.addPartitions(tp.toProto());
            }
            SubscribeRequest.Builder b = SubscribeRequest.newBuilder();
            await(session.request(pause ? b.setPause(request) : b.setResume(request)), config.requestTimeout().toMillis(),
                    pause ? "pause" : "resume");
            if (pause) {
                paused.addAll(partitions);
            } else {
                paused.removeAll(partitions);
            }
        } finally {
            release();
        }
    }

    private void seekAll(Collection<TopicPartition> partitions, Function<Seek.Builder, Seek.Builder> target,
                         String what) {
        acquire();
        try {
            ensureOpen();
            ensureSubscribed();
            List<CompletableFuture<SubscribeAnswer>> acks = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                Seek.Builder seek = target.apply(Seek.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()));
                acks.add(session.request(SubscribeRequest.newBuilder().setSeek(seek)));
                member.forget(tp);
            }
            for (CompletableFuture<SubscribeAnswer> ack : acks) {
                for (TopicPartitionOffset p : await(ack, config.requestTimeout().toMillis(), what).response().getAck()
                        .getPositionsList()) {
                    member.position(new TopicPartition(p.getTopic(), p.getPartition()), p.getOffset());
                }
            }
        } finally {
            release();
        }
    }

    private Collection<TopicPartition> orAssigned(Collection<TopicPartition> partitions) {
        return partitions == null || partitions.isEmpty() ? assignment() : partitions;
    }

    private void leaveQuietly(Duration timeout) {
        SubscribeSession s = session;
        Set<TopicPartition> owned = assignment();
        if (s.isOpen() && !owned.isEmpty()) {
            try {
                listener.onPartitionsRevoked(owned); // may commit: the session still owns them
            } catch (RuntimeException e) {
                LOG.warn("rebalance listener failed on revoking {} before leaving: {}", owned, e.toString());
            }
        }
        session = null;
        polls.clear();
        member.reset();
        if (!s.isOpen()) {
            return;
        }
        try {
            s.request(SubscribeRequest.newBuilder().setLeave(Leave.getDefaultInstance()))
                    .get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            s.halfClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.cancel("interrupted while leaving");
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("leaving group '{}' failed ({}); cancelling the session", config.group(), e.toString());
            s.cancel("leave failed");
        }
    }

    /** Waits for {@code future}, turning failures, timeouts, interrupts and wakeups into exceptions. */
    private <T> T await(CompletableFuture<T> future, long timeoutMs, String what) {
        try {
            return wakeup.await(future, timeoutMs);
        } catch (ExecutionException e) {
            throw StrataClientException.from(e.getCause());
        } catch (TimeoutException e) {
            throw new StrataClientException(ErrorReason.TIMEOUT,
                    "no answer to " + what + " from gateway " + config.bootstrap() + " within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StrataClientException(ErrorReason.INTERNAL, "interrupted while waiting for " + what);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
    }

    private void ensureSubscribed() {
        if (session == null) {
            throw new IllegalStateException("consumer is not subscribed; call subscribe(topics) first");
        }
    }

    private void acquire() {
        long me = Thread.currentThread().getId();
        if (owner.get() != me && !owner.compareAndSet(NO_OWNER, me)) {
            throw new ConcurrentModificationException("StrataConsumer is not safe for multi-threaded access");
        }
        reentrancy++;
    }

    private void release() {
        if (--reentrancy == 0) {
            owner.set(NO_OWNER);
        }
    }
}
