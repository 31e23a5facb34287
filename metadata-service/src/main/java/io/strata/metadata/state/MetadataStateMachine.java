package io.strata.metadata.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.FetchOffsetsResponse;
import io.strata.proto.ListGroupsResponse;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.MetadataQuery;
import io.strata.proto.internal.MetadataSnapshot;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the metadata service. Each Raft log entry is one serialized
 * {@link MetadataCommand}; applying it updates {@link MetadataState} and answers the proposer
 * with a {@link CommandResult}. Invalid commands complete normally with an error result, so
 * every peer applies (and rejects) them identically.
 *
 * <p>Snapshots are the whole state as one {@link MetadataSnapshot} file, written to a
 * temporary name and renamed, with an MD5 file that {@link #reinitialize()} verifies.
 * Ratis takes them automatically every {@code snapshotEvery} entries and installs them on
 * peers that fall behind the purged log.
 *
 * <p>Threading: Ratis applies entries on one thread; queries and image listeners come from
 * others, so state access is synchronized. Listeners run on the apply thread and must not block.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final MetadataState state = new MetadataState();
    private final Consumer<MetadataImage> imageListener;
    private volatile MetadataImage publishedImage = MetadataImage.getDefaultInstance();

    public MetadataStateMachine(Consumer<MetadataImage> imageListener) {
        this.imageListener = imageListener;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        reinitialize();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void reinitialize() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        MD5Hash md5 = snapshot.getFile().getFileDigest();
        if (md5 != null) {
            MD5FileUtil.verifySavedMD5(file.toFile(), md5);
        }
        MetadataSnapshot loaded;
        try (InputStream in = Files.newInputStream(file)) {
            loaded = MetadataSnapshot.parseFrom(in);
        }
        synchronized (this) {
            state.restore(loaded);
            updateLastAppliedTermIndex(snapshot.getTermIndex());
        }
        log.info("loaded metadata snapshot {} ({} topics, {} nodes)", snapshot.getTermIndex(),
                loaded.getImage().getTopicsCount(), loaded.getImage().getNodesCount());
        publish();
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataSnapshot snapshot;
        TermIndex applied;
        synchronized (this) {
            snapshot = state.snapshot();
            applied = getLastAppliedTermIndex();
        }
        if (applied == null) {
            return -1;
        }
        File target = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            snapshot.writeTo(out);
        }
        Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), applied));
        log.info("took metadata snapshot at {}", applied);
        return applied.getIndex();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        CommandResult result;
        try {
            MetadataCommand command = MetadataCommand.parseFrom(
                    entry.getStateMachineLogEntry().getLogData().toByteArray());
            synchronized (this) {
                result = state.apply(command, entry.getIndex());
                updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            }
        } catch (InvalidProtocolBufferException e) {
            synchronized (this) {
                updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            }
            result = CommandResult.newBuilder().setError(ErrorDetail.newBuilder()
                    .setReason(ErrorReason.INTERNAL).setMessage("unreadable metadata command: " + e.getMessage()))
                    .build();
        }
        publish();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(result.toByteArray())));
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            MetadataQuery q = MetadataQuery.parseFrom(request.getContent().toByteArray());
            com.google.protobuf.Message answer;
            synchronized (this) {
                answer = switch (q.getQueryCase()) {
                    case IMAGE -> state.image();
                    case FETCH_OFFSETS -> FetchOffsetsResponse.newBuilder()
                            .addAllOffsets(state.committedOffsets(q.getFetchOffsets())).build();
                    case LIST_GROUPS -> ListGroupsResponse.newBuilder().addAllGroups(state.groups()).build();
                    case QUERY_NOT_SET -> throw new IllegalArgumentException("empty metadata query");
                };
            }
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer.toByteArray())));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The image as of the last entry this peer applied (may trail the leader). */
    public MetadataImage localImage() {
        return publishedImage;
    }

    private void publish() {
        MetadataImage image;
        synchronized (this) {
            image = state.image();
        }
        if (image.getVersion() != publishedImage.getVersion()) {
            publishedImage = image;
            imageListener.accept(image);
        }
    }
}
