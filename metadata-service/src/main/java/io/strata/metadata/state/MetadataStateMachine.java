package io.strata.metadata.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.common.error.Errors;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsResponse;
import io.strata.proto.ListGroupsResponse;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.LocalState;
import io.strata.proto.internal.GroupRecord;
import io.strata.metadata.groups.GroupDescriptions;
import io.strata.proto.GroupDescription;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataDelta;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataQuery;
import io.strata.proto.internal.MetadataSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.FileUtils;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the metadata service. Each Raft log entry is one serialized
 * {@link MetadataCommand}; applying it updates {@link MetadataState} (one RocksDB write that
 * includes the entry's term and index) and answers the proposer with a {@link CommandResult}.
 * Invalid commands complete normally with an error result, so every peer applies (and
 * rejects) them identically.
 *
 * <p>Recovery: on start the database in {@code dbDir} is opened as it is; entries at or below
 * its applied index are skipped when Ratis replays the log. If the newest snapshot is ahead of
 * the database (a wiped peer, or a snapshot installed from the leader) the database is
 * replaced by a copy of that snapshot first.
 *
 * <p>Snapshots are RocksDB checkpoints managed by {@link CheckpointSnapshots}; Ratis takes them
 * automatically every {@code snapshotEvery} entries, purges the log before them, and installs
 * them on peers that fall behind the purged log (pause → files renamed into place →
 * {@link #reinitialize()}).
 *
 * <p>Threading: Ratis applies entries on one thread; queries and image listeners come from
 * others, so state access is synchronized. Listeners run on the apply thread and must not block.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final Path dbDir;
    private final CheckpointSnapshots snapshots = new CheckpointSnapshots();
    private final BiConsumer<MetadataImage, MetadataDelta> imageListener;
    private final AtomicInteger snapshotLoads = new AtomicInteger();
    private MetadataState state;
    private volatile Runnable leaderChangeListener = () -> { };
    private volatile MetadataImage publishedImage = MetadataImage.getDefaultInstance();

    /**
     * @param dbDir         where this peer's live RocksDB database is kept (outside Ratis' directories)
     * @param imageListener told of every new image and the delta that led to it (null after a
     *                      state reload), on the apply thread
     */
    public MetadataStateMachine(Path dbDir, BiConsumer<MetadataImage, MetadataDelta> imageListener) {
        this.dbDir = dbDir;
        this.imageListener = imageListener;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        snapshots.init(raftStorage);
        getLifeCycle().startAndTransition(this::loadState, IOException.class);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** Called by Ratis after it installed a snapshot from the leader: reload from it. */
    @Override
    public void reinitialize() throws IOException {
        synchronized (this) {
            if (state != null) {
                state.close();
                state = null;
            }
        }
        getLifeCycle().startAndTransition(this::loadState, IOException.class);
    }

    /** Opens the database, first replacing it with the newest snapshot when that is ahead of it. */
    private void loadState() throws IOException {
        SnapshotInfo snapshot = snapshots.loadLatest();
        MetadataState opened = MetadataState.open(dbDir);
        if (snapshot != null && snapshot.getIndex() > opened.appliedIndex()) {
            opened.close();
            CheckpointSnapshots.verify(snapshot);
            replaceDatabase(CheckpointSnapshots.dirOf(snapshot));
            opened = MetadataState.open(dbDir);
            snapshotLoads.incrementAndGet();
            log.info("metadata state loaded from snapshot {} ({} topics, {} nodes)", snapshot.getTermIndex(),
                    opened.image().getTopicsCount(), opened.image().getNodesCount());
        }
        synchronized (this) {
            state = opened;
            TermIndex applied = TermIndex.valueOf(opened.appliedTerm(), opened.appliedIndex());
            TermIndex known = getLastAppliedTermIndex();
            if (opened.appliedIndex() > 0 && (known == null || applied.compareTo(known) > 0)) {
                updateLastAppliedTermIndex(applied);
            }
        }
        log.info("metadata state at applied index {} in {}", opened.appliedIndex(), dbDir);
        publish();
    }

    private void replaceDatabase(Path checkpoint) throws IOException {
        if (Files.exists(dbDir)) {
            FileUtils.deleteFully(dbDir);
        }
        Files.createDirectories(dbDir);
        try (var files = Files.list(checkpoint)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().endsWith(MD5FileUtil.MD5_SUFFIX)) {
                    Files.copy(f, dbDir.resolve(f.getFileName()));
                }
            }
        }
    }

    private volatile java.util.function.LongConsumer applyTimes = nanos -> { };

    /** Sets who is told (on a Ratis thread, must not block) whenever the Raft leader changes. */
    public void onLeaderChanged(Runnable listener) {
        this.leaderChangeListener = listener;
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        leaderChangeListener.run();
    }

    /** How many times this peer replaced its database with a snapshot (installed or found on start). */
    public int snapshotLoads() {
        return snapshotLoads.get();
    }

    @Override
    public long takeSnapshot() throws IOException {
        synchronized (this) {
            if (state == null || state.appliedIndex() == 0) {
                return -1;
            }
            TermIndex ti = TermIndex.valueOf(state.appliedTerm(), state.appliedIndex());
            long start = System.nanoTime();
            if (snapshots.take(ti, state::checkpoint)) {
                log.info("took metadata snapshot at {} in {} ms", ti, (System.nanoTime() - start) / 1_000_000);
            }
            return ti.getIndex();
        }
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // A log entry without a command (leader no-op, configuration): record it as applied
        // so snapshots and restarts line up with the log.
        synchronized (this) {
            if (state != null) {
                state.advanceApplied(term, index);
            }
            TermIndex known = getLastAppliedTermIndex();
            if (known == null || index > known.getIndex()) {
                updateLastAppliedTermIndex(term, index);
            }
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        long start = System.nanoTime();
        LogEntryProto entry = trx.getLogEntry();
        CommandResult result;
        synchronized (this) {
            if (entry.getIndex() <= state.appliedIndex()) {
                // Already in the database: a restart replays the log from the last snapshot.
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
                        CommandResult.newBuilder().setOk(true).build().toByteArray())));
            }
            try {
                MetadataCommand command = MetadataCommand.parseFrom(
                        entry.getStateMachineLogEntry().getLogData().toByteArray());
                result = state.apply(command, entry.getTerm(), entry.getIndex());
            } catch (InvalidProtocolBufferException e) {
                state.advanceApplied(entry.getTerm(), entry.getIndex());
                result = CommandResult.newBuilder().setError(ErrorDetail.newBuilder()
                        .setReason(ErrorReason.INTERNAL).setMessage("unreadable metadata command: " + e.getMessage()))
                        .build();
            }
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        publish();
        applyTimes.accept(System.nanoTime() - start);
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(result.toByteArray())));
    }

    /** Told how long each applied entry took, in nanoseconds (metrics). Set before the server starts. */
    public void onApplied(java.util.function.LongConsumer listener) {
        this.applyTimes = listener;
    }

    /** Every committed offset as this peer applied it (empty while reloading a snapshot). */
    public synchronized java.util.List<io.strata.proto.internal.CommittedOffset> committedOffsets() {
        return state == null ? java.util.List.of() : state.allCommittedOffsets();
    }

    /** Everything this peer has applied, as one message (for comparing peers); empty while reloading a snapshot. */
    public synchronized MetadataSnapshot dump() {
        return state == null ? MetadataSnapshot.getDefaultInstance() : state.snapshot();
    }

    /**
     * Everything this peer has applied together with the Raft index it reflects, read under one
     * lock so the two agree. Fails with METADATA_UNAVAILABLE while a snapshot is being loaded.
     */
    public synchronized LocalState localState() {
        if (state == null) {
            throw Errors.metadataUnavailable("this metadata peer is loading a snapshot; ask again shortly");
        }
        return LocalState.newBuilder().setAppliedIndex(state.appliedIndex()).setState(state.snapshot()).build();
    }

    @Override
    public void close() throws IOException {
        super.close();
        synchronized (this) {
            if (state != null) {
                state.close();
                state = null;
            }
        }
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            MetadataQuery q = MetadataQuery.parseFrom(request.getContent().toByteArray());
            com.google.protobuf.Message answer;
            synchronized (this) {
                if (state == null) {
                    return CompletableFuture.failedFuture(new IllegalStateException("metadata state is reloading"));
                }
                answer = switch (q.getQueryCase()) {
                    case IMAGE -> state.image();
                    case FETCH_OFFSETS -> FetchOffsetsResponse.newBuilder()
                            .addAllOffsets(state.committedOffsets(q.getFetchOffsets())).build();
                    case LIST_GROUPS -> ListGroupsResponse.newBuilder().addAllGroups(state.groups()).build();
                    case SYNC -> MetadataImage.newBuilder().setVersion(state.image().getVersion()).build();
                    case DESCRIBE_GROUP -> describeGroup(q.getDescribeGroup());
                    case QUERY_NOT_SET -> throw new IllegalArgumentException("empty metadata query");
                };
            }
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer.toByteArray())));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private GroupDescription describeGroup(String name) {
        GroupRecord g = state.describeGroup(name);
        return g == null ? GroupDescription.getDefaultInstance() : GroupDescriptions.of(g);
    }

    /** A group's record as this peer applied it, or null (none, or the state is reloading). */
    public synchronized GroupRecord group(String name) {
        return state == null ? null : state.group(name);
    }

    /** Every group record as this peer applied it. */
    public synchronized java.util.List<GroupRecord> groups() {
        return state == null ? java.util.List.of() : state.groupRecords();
    }

    /** The image as of the last entry this peer applied (may trail the leader). */
    public MetadataImage localImage() {
        return publishedImage;
    }

    private void publish() {
        MetadataImage image;
        MetadataDelta delta;
        synchronized (this) {
            if (state == null) {
                return;
            }
            image = state.image();
            delta = state.lastDelta();
        }
        if (image.getVersion() != publishedImage.getVersion()) {
            publishedImage = image;
            imageListener.accept(image, delta);
        }
    }
}
