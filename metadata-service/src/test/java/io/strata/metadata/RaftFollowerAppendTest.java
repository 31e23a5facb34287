package io.strata.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto.AppendResult;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.MetadataProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metadata peer as a Raft follower, driven by this test acting as the leader through the
 * peer's own append-entries entry point (the one its gRPC service calls).
 *
 * <p>A leader whose appends fail or time out sends again from the follower's next index, so
 * the follower can receive a second, longer request starting where one still being written
 * starts. Ratis 3.3.0's composed follower appends took the second for a duplicate of the first:
 * it answered "matched up to the longer request's last entry" while writing only the shorter
 * one. The leader then counted entries the follower never held towards the quorum and, once
 * its match index had passed the follower's log, never sent them (MetadataCrashTest stalled on
 * exactly this). Whatever a follower acknowledges it must hold.
 */
class RaftFollowerAppendTest {
    private static final long LEADER_TERM = 7;

    @TempDir
    Path dir;

    private long callId;

    @Test
    void aFollowerHoldsEveryEntryItAcknowledges() throws Exception {
        int[] ports = FreePorts.find(6);
        List<MetadataConfig.Peer> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(new MetadataConfig.Peer("m" + (i + 1), new HostPort("127.0.0.1", ports[2 * i]),
                    new HostPort("127.0.0.1", ports[2 * i + 1])));
        }
        // Only m1 runs: with pre-vote it cannot win an election alone, so it stays a follower of "m2".
        try (MetadataServer follower = new MetadataServer(MetadataConfig.of("m1", peers, dir.resolve("m1"))).start()) {
            RaftServer.Division division = follower.raftDivision().orElseThrow();
            assertEquals(AppendResult.SUCCESS, append(division, 0, 10).get(30, TimeUnit.SECONDS).getResult(), "first entries");
            long next = 10;
            for (int round = 0; round < 20; round++) {
                CompletableFuture<AppendEntriesReplyProto> shorter = append(division, next, 100);
                CompletableFuture<AppendEntriesReplyProto> longer = append(division, next, 200);
                AppendEntriesReplyProto reply = longer.get(30, TimeUnit.SECONDS);
                shorter.get(30, TimeUnit.SECONDS);
                assertEquals(AppendResult.SUCCESS, reply.getResult(), "round " + round);
                assertEquals(next + 199, reply.getMatchIndex(), "round " + round + ": acknowledged up to");
                assertEquals(next + 199, division.getRaftLog().getLastEntryTermIndex().getIndex(),
                        "round " + round + ": last entry in the follower's log after acknowledging up to "
                                + reply.getMatchIndex());
                next += 200;
            }
        }
    }

    /** Sends {@code count} entries of the leader's term starting at {@code first}, as leader m2 would. */
    private CompletableFuture<AppendEntriesReplyProto> append(RaftServer.Division follower, long first, int count)
            throws IOException {
        RaftRpcRequestProto header = RaftRpcRequestProto.newBuilder()
                .setRequestorId(RaftPeerId.valueOf("m2").toByteString())
                .setReplyId(follower.getId().toByteString())
                .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(follower.getGroup().getGroupId().toByteString()))
                .setCallId(++callId).build();
        AppendEntriesRequestProto.Builder request = AppendEntriesRequestProto.newBuilder().setServerRequest(header)
                .setLeaderTerm(LEADER_TERM).setLeaderCommit(0);
        if (first > 0) {
            request.setPreviousLog(TermIndexProto.newBuilder().setTerm(LEADER_TERM).setIndex(first - 1));
        }
        for (long i = first; i < first + count; i++) {
            request.addEntries(LogEntryProto.newBuilder().setTerm(LEADER_TERM).setIndex(i)
                    .setMetadataEntry(MetadataProto.newBuilder().setCommitIndex(0)));
        }
        return follower.getRaftServer().appendEntriesAsync(request.build());
    }
}
