package io.strata.metadata.api;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommitOffsetsBatch;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.MetadataCommand;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Group commit for offset commits. While one Raft entry of offset commits is on its way, further
 * requests wait, and everything that waited goes out as the next entry, a
 * {@code CommitOffsetsBatch}. A request that finds nothing in flight goes out at once as a plain
 * {@code CommitOffsetsCommand}, so a quiet service adds no delay; under load, N concurrent
 * requests cost one Raft entry — one log append and fsync on each peer, one replication round,
 * one apply — instead of N, and batches grow with the load.
 *
 * <p>Each request still succeeds or fails on its own: the state machine applies the commits of a
 * batch one by one and answers each. When Raft does not commit a batch, every request in it fails
 * with that error and, as with a single request, may or may not have been applied.
 *
 * <p>Thread-safe. Proposals complete on Raft caller threads, which also send the next batch.
 */
final class OffsetCommitBatcher {
    /** Caps an entry well below Ratis' 4 MiB append buffer, so that a batch is always replicable. */
    static final int MAX_BATCH_BYTES = 1 << 20;

    private record Waiting(CommitOffsetsCommand command, CompletableFuture<Void> done) {
    }

    private final Function<MetadataCommand, CompletableFuture<CommandResult>> propose;
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private boolean inFlight;

    /** @param propose submits a command to Raft; completes with its result, or fails with the command's error */
    OffsetCommitBatcher(Function<MetadataCommand, CompletableFuture<CommandResult>> propose) {
        this.propose = propose;
    }

    /** Commits {@code command} with the next entry; completes when it was applied, or fails with why not. */
    CompletableFuture<Void> submit(CommitOffsetsCommand command) {
        Waiting w = new Waiting(command, new CompletableFuture<>());
        List<Waiting> batch;
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
    private List<Waiting> takeBatch() {
        List<Waiting> batch = new ArrayList<>();
        int bytes = 0;
        while (!queue.isEmpty() && (batch.isEmpty() || bytes + queue.peek().command().getSerializedSize()
                <= MAX_BATCH_BYTES)) {
            Waiting w = queue.poll();
            bytes += w.command().getSerializedSize();
            batch.add(w);
        }
        return batch;
    }

    private void send(List<Waiting> batch) {
        MetadataCommand command = batch.size() == 1
                ? MetadataCommand.newBuilder().setCommitOffsets(batch.get(0).command()).build()
                : MetadataCommand.newBuilder().setCommitOffsetsBatch(CommitOffsetsBatch.newBuilder()
                        .addAllCommits(batch.stream().map(Waiting::command).toList())).build();
        CompletableFuture<CommandResult> proposed;
        try {
            proposed = propose.apply(command);
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
        List<Waiting> next;
        synchronized (this) {
            if (queue.isEmpty()) {
                inFlight = false;
                return;
            }
            next = takeBatch();
        }
        send(next);
    }

    private static void answer(List<Waiting> batch, CommandResult result, Throwable error) {
        if (error != null) {
            batch.forEach(w -> w.done().completeExceptionally(error));
        } else if (batch.size() == 1) {
            batch.get(0).done().complete(null);
        } else if (result.getResults().getResultsCount() != batch.size()) {
            StrataException e = new StrataException(ErrorReason.INTERNAL, "a batch of " + batch.size()
                    + " offset commits was answered with " + result.getResults().getResultsCount() + " results");
            batch.forEach(w -> w.done().completeExceptionally(e));
        } else {
            for (int i = 0; i < batch.size(); i++) {
                CommandResult r = result.getResults().getResults(i);
                if (r.hasError()) {
                    batch.get(i).done().completeExceptionally(
                            new StrataException(r.getError().getReason(), r.getError().getMessage()));
                } else {
                    batch.get(i).done().complete(null);
                }
            }
        }
    }
}
