package io.strata.metadata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.TopicPartitionOffset;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.CommandResults;
import io.strata.proto.internal.CommitOffsetsCommand;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.TopicRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The group-commit rules of {@link ProposalBatcher}, against proposals the test completes by hand. */
class ProposalBatcherTest {
    /** Every command proposed, with the future the test completes to play Raft. */
    private final List<MetadataCommand> proposed = new ArrayList<>();
    private final List<CompletableFuture<CommandResult>> replies = new ArrayList<>();
    private final ProposalBatcher<CommitOffsetsCommand, Void> batcher = ProposalBatcher.offsetCommits(this::propose);

    private CompletableFuture<CommandResult> propose(MetadataCommand command) {
        proposed.add(command);
        CompletableFuture<CommandResult> reply = new CompletableFuture<>();
        replies.add(reply);
        return reply;
    }

    private static CommitOffsetsCommand commit(String group, int partitions) {
        CommitOffsetsCommand.Builder c = CommitOffsetsCommand.newBuilder().setGroup(group);
        for (int p = 0; p < partitions; p++) {
            c.addOffsets(TopicPartitionOffset.newBuilder().setTopic("t").setPartition(p).setOffset(p));
        }
        return c.build();
    }

    private static CommandResult ok() {
        return CommandResult.newBuilder().setOk(true).build();
    }

    @Test
    void aLoneRequestGoesOutAtOnceAndTheOnesThatWaitedGoOutTogether() {
        CompletableFuture<Void> first = batcher.submit(commit("a", 1));
        assertEquals(1, proposed.size());
        assertTrue(proposed.get(0).hasCommitOffsets(), "a lone request is a plain command");

        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (String g : List.of("b", "c", "d")) {
            waiting.add(batcher.submit(commit(g, 2)));
        }
        assertEquals(1, proposed.size(), "nothing more is proposed while an entry is in flight");

        replies.get(0).complete(ok());
        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertEquals(2, proposed.size());
        assertEquals(List.of("b", "c", "d"), proposed.get(1).getCommitOffsetsBatch().getCommitsList().stream()
                .map(CommitOffsetsCommand::getGroup).toList(), "the waiting requests, in arrival order, as one entry");
        assertFalse(waiting.get(0).isDone());

        replies.get(1).complete(CommandResult.newBuilder().setResults(CommandResults.newBuilder()
                .addResults(ok())
                .addResults(CommandResult.newBuilder().setError(ErrorDetail.newBuilder()
                        .setReason(ErrorReason.UNKNOWN_TOPIC).setMessage("topic 't' does not exist")))
                .addResults(ok())).build());
        assertTrue(waiting.get(0).isDone() && !waiting.get(0).isCompletedExceptionally());
        assertEquals(ErrorReason.UNKNOWN_TOPIC, failure(waiting.get(1)).reason(), "each request gets its own answer");
        assertTrue(waiting.get(2).isDone() && !waiting.get(2).isCompletedExceptionally());

        batcher.submit(commit("e", 1));
        assertEquals(3, proposed.size(), "idle again: the next request goes out at once");
        assertTrue(proposed.get(2).hasCommitOffsets());
    }

    @Test
    void aFailedProposalFailsEveryRequestInItAndTheQueueMovesOn() {
        batcher.submit(commit("a", 1));
        CompletableFuture<Void> b = batcher.submit(commit("b", 1));
        CompletableFuture<Void> c = batcher.submit(commit("c", 1));
        replies.get(0).complete(ok());
        replies.get(1).completeExceptionally(new StrataException(ErrorReason.METADATA_UNAVAILABLE, "no leader"));
        assertEquals(ErrorReason.METADATA_UNAVAILABLE, failure(b).reason());
        assertEquals(ErrorReason.METADATA_UNAVAILABLE, failure(c).reason());

        batcher.submit(commit("d", 1));
        assertEquals(3, proposed.size(), "a failure does not leave the batcher stuck");
    }

    @Test
    void batchesStayBelowTheEntrySizeCap() {
        batcher.submit(commit("first", 1));
        CommitOffsetsCommand big = commit("big", 10_000);
        int fit = ProposalBatcher.MAX_BATCH_BYTES / big.getSerializedSize();
        for (int i = 0; i < fit + 1; i++) {
            batcher.submit(big);
        }
        replies.get(0).complete(ok());
        assertEquals(fit, proposed.get(1).getCommitOffsetsBatch().getCommitsCount());
        assertTrue(proposed.get(1).getSerializedSize() <= ProposalBatcher.MAX_BATCH_BYTES + 64);
        replies.get(1).complete(CommandResult.newBuilder().setResults(CommandResults.newBuilder()
                .addAllResults(java.util.Collections.nCopies(fit, ok()))).build());
        assertTrue(proposed.get(2).hasCommitOffsets(), "the one left over goes out next");
    }

    @Test
    void topicCreationsThatWaitedGoOutAsOneBatchAndEachGetsItsOwnTopic() {
        ProposalBatcher<TopicRecord, TopicRecord> creations = ProposalBatcher.topicCreations(this::propose);
        TopicRecord a = TopicRecord.newBuilder().setName("a").build();
        TopicRecord b = TopicRecord.newBuilder().setName("b").build();
        TopicRecord c = TopicRecord.newBuilder().setName("c").build();
        CompletableFuture<TopicRecord> first = creations.submit(a);
        CompletableFuture<TopicRecord> second = creations.submit(b);
        CompletableFuture<TopicRecord> third = creations.submit(c);
        assertEquals(a, proposed.get(0).getCreateTopic(), "a lone creation is a plain command");

        replies.get(0).complete(CommandResult.newBuilder().setTopic(a).build());
        assertEquals(a, first.join());
        assertEquals(List.of(b, c), proposed.get(1).getCreateTopicsBatch().getTopicsList());
        replies.get(1).complete(CommandResult.newBuilder().setResults(CommandResults.newBuilder()
                .addResults(CommandResult.newBuilder().setError(ErrorDetail.newBuilder()
                        .setReason(ErrorReason.TOPIC_ALREADY_EXISTS).setMessage("topic 'b' already exists")))
                .addResults(CommandResult.newBuilder().setTopic(c))).build());
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, failure(second).reason());
        assertEquals(c, third.join());
    }

    private static StrataException failure(CompletableFuture<?> f) {
        assertTrue(f.isCompletedExceptionally());
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (CompletionException e) {
            return StrataException.from(e);
        }
    }
}
