package io.strata.metadata.api;

import com.google.protobuf.MessageLite;
import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommitOffsetsBatch;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.CreateTopicsBatch;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Group commit for Raft proposals of one kind (offset commits, topic creations). While one entry
 * of them is on its way, further requests wait, and everything that waited goes out as the next
 * entry, a batch command. A request that finds nothing in flight goes out at once as a plain
 * command, so a quiet service adds no delay; under load, N concurrent requests cost one Raft
 * entry — one log append and fsync on each peer, one replication round, one apply — instead of N,
 * and batches grow with the load.
 *
 * <p>Each request still succeeds or fails on its own: the state machine applies the commands of a
 * batch one by one and answers each. When Raft does not commit a batch, every request in it fails
 * with that error and, as with a single request, may or may not have been applied.
 *
 * <p>Thread-safe. Proposals complete on Raft caller threads, which also send the next batch.
 *
 * @param <C> one request's command
 * @param <R> what a request completes with, taken from its result
 */
final class ProposalBatcher<C extends MessageLite, R> {
    /** Caps an entry well below Ratis' 4 MiB append buffer, so that a batch is always replicable. */
    static final int MAX_BATCH_BYTES = 1 << 20;

    private record Waiting<C, R>(C command, CompletableFuture<R> done) {
    }

    private final Function<MetadataCommand, CompletableFuture<CommandResult>> propose;
    private final Function<C, MetadataCommand> single;
    private final Function<List<C>, MetadataCommand> batchOf;
    private final Function<CommandResult, R> valueOf;
    private final ArrayDeque<Waiting<C, R>> queue = new ArrayDeque<>();
    private boolean inFlight;

    /**
     * @param propose submits a command to Raft; completes with its result, or fails with the command's error
     * @param single  the command for a request that goes out alone
     * @param batchOf the batch command for several
     * @param valueOf what a request completes with, from its own successful result
     */
    ProposalBatcher(Function<MetadataCommand, CompletableFuture<CommandResult>> propose,
                    Function<C, MetadataCommand> single, Function<List<C>, MetadataCommand> batchOf,
                    Function<CommandResult, R> valueOf) {
        this.propose = propose;
        this.single = single;
        this.batchOf = batchOf;
        this.valueOf = valueOf;
    }

    /** Offset commits: a lone one is a {@code CommitOffsetsCommand}, several a {@code CommitOffsetsBatch}. */
    static ProposalBatcher<CommitOffsetsCommand, Void> offsetCommits(
            Function<MetadataCommand, CompletableFuture<CommandResult>> propose) {
        return new ProposalBatcher<>(propose, c -> MetadataCommand.newBuilder().setCommitOffsets(c).build(),
                cs -> MetadataCommand.newBuilder().setCommitOffsetsBatch(CommitOffsetsBatch.newBuilder()
                        .addAllCommits(cs)).build(), r -> null);
    }

    /**
     * Topic creations: a lone one is a {@code CreateTopic}, several a {@code CreateTopicsBatch};
     * each completes with its topic.
     */
    static ProposalBatcher<TopicRecord, TopicRecord> topicCreations(
            Function<MetadataCommand, CompletableFuture<CommandResult>> propose) {
        return new ProposalBatcher<>(propose, t -> MetadataCommand.newBuilder().setCreateTopic(t).build(),
                ts -> MetadataCommand.newBuilder().setCreateTopicsBatch(CreateTopicsBatch.newBuilder()
                        .addAllTopics(ts)).build(), CommandResult::getTopic);
    }

    /** Proposes {@code command} with the next entry; completes when it was applied, or fails with why not. */
    CompletableFuture<R> submit(C command) {
        Waiting<C, R> w = new Waiting<>(command, new CompletableFuture<>());
        List<Waiting<C, R>> batch;
        synchronized (this) {
            queue.add(w);
            if (inFlight) {
                return w.done();
            }
            inFlight = true;
            batch = takeBatch();
        }
        send(batch);
        return w.done();
    }

    /** The oldest waiting requests up to {@link #MAX_BATCH_BYTES} (at least one). Caller holds the lock. */
    private List<Waiting<C, R>> takeBatch() {
        List<Waiting<C, R>> batch = new ArrayList<>();
        int bytes = 0;
        while (!queue.isEmpty() && (batch.isEmpty() || bytes + queue.peek().command().getSerializedSize()
                <= MAX_BATCH_BYTES)) {
            Waiting<C, R> w = queue.poll();
            bytes += w.command().getSerializedSize();
            batch.add(w);
        }
        return batch;
    }

    private void send(List<Waiting<C, R>> batch) {
        CompletableFuture<CommandResult> proposed;
        try {
            proposed = propose.apply(batch.size() == 1 ? single.apply(batch.get(0).command())
                    : batchOf.apply(batch.stream().map(Waiting::command).toList()));
        } catch (RuntimeException e) {
            proposed = CompletableFuture.failedFuture(e);
        }
        proposed.whenComplete((result, error) -> {
            try {
                answer(batch, result, error);
            } finally {
                sendNext();
            }
        });
    }

    private void sendNext() {
        List<Waiting<C, R>> next;
        synchronized (this) {
            if (queue.isEmpty()) {
                inFlight = false;
                return;
            }
            next = takeBatch();
        }
        send(next);
    }

    private void answer(List<Waiting<C, R>> batch, CommandResult result, Throwable error) {
        if (error != null) {
            batch.forEach(w -> w.done().completeExceptionally(error));
        } else if (batch.size() == 1) {
            batch.get(0).done().complete(valueOf.apply(result));
        } else if (result.getResults().getResultsCount() != batch.size()) {
            StrataException e = new StrataException(ErrorReason.INTERNAL, "a batch of " + batch.size()
                    + " commands was answered with " + result.getResults().getResultsCount() + " results");
            batch.forEach(w -> w.done().completeExceptionally(e));
        } else {
            for (int i = 0; i < batch.size(); i++) {
                CommandResult r = result.getResults().getResults(i);
                if (r.hasError()) {
                    batch.get(i).done().completeExceptionally(
                            new StrataException(r.getError().getReason(), r.getError().getMessage()));
                } else {
                    batch.get(i).done().complete(valueOf.apply(r));
                }
            }
        }
    }
}
