package io.strata.metadata.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.strata.common.error.Errors;
import io.strata.common.error.StrataException;
import io.strata.proto.internal.CommandResult;
import io.strata.proto.internal.MetadataCommand;
import io.strata.proto.internal.MetadataQuery;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Sends commands and linearizable queries to the Raft group (its leader, wherever it is)
 * and turns the replies into results or {@link StrataException}s.
 *
 * <p>Each call uses the Ratis client's blocking API on a thread of its own pool rather than
 * its ordered async API: ordered async requests queue behind one another, so one request
 * stuck retrying a dead leader would hold back every later call (the controller's included)
 * until it gave up. Calls are independent of one another; each is still retried by Ratis
 * until the group answers or the call times out. Thread-safe.
 */
public final class RaftCommands implements AutoCloseable {
    private final RaftClient client;
    private final Duration timeout;
    private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "metadata-raft-call");
        t.setDaemon(true);
        return t;
    });

    public RaftCommands(RaftClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** Proposes {@code command}; completes with its result once applied, or fails with its error. */
    public CompletableFuture<CommandResult> submit(MetadataCommand command) {
        Message message = Message.valueOf(ByteString.copyFrom(command.toByteArray()));
        return call(() -> client.io().send(message))
                .handle((reply, error) -> {
                    CommandResult result = parse(reply, error, CommandResult.parser());
                    if (result.hasError()) {
                        throw new StrataException(result.getError().getReason(), result.getError().getMessage());
                    }
                    return result;
                });
    }

    /** Runs a read on the leader after confirming its leadership (Raft read index). */
    public <T extends com.google.protobuf.Message> CompletableFuture<T> query(MetadataQuery query, Parser<T> parser) {
        Message message = Message.valueOf(ByteString.copyFrom(query.toByteArray()));
        return call(() -> client.io().sendReadOnly(message))
                .handle((reply, error) -> parse(reply, error, parser));
    }

    /**
     * Completes once {@code self} has applied every entry committed before this call (a
     * linearizable read served by {@code self}), so that its local state is current.
     */
    public CompletableFuture<Void> syncLocal(RaftPeerId self) {
        Message message = Message.valueOf(ByteString.copyFrom(
                MetadataQuery.newBuilder().setSync(true).build().toByteArray()));
        return call(() -> client.io().sendReadOnly(message, self))
                .handle((reply, error) -> {
                    parse(reply, error, io.strata.proto.internal.MetadataImage.parser());
                    return null;
                });
    }

    private interface BlockingCall {
        RaftClientReply run() throws IOException;
    }

    private CompletableFuture<RaftClientReply> call(BlockingCall call) {
        CompletableFuture<RaftClientReply> f = new CompletableFuture<>();
        try {
            callers.execute(() -> {
                try {
                    f.complete(call.run());
                } catch (IOException | RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new IOException("metadata peer is shutting down"));
        }
        return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private <T> T parse(RaftClientReply reply, Throwable error, Parser<T> parser) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof TimeoutException) {
                throw Errors.metadataUnavailable("no Raft quorum answered within " + timeout.toMillis() + " ms");
            }
            throw Errors.metadataUnavailable(String.valueOf(cause));
        }
        if (!reply.isSuccess()) {
            throw Errors.metadataUnavailable(String.valueOf(reply.getException()));
        }
        try {
            return parser.parseFrom(reply.getMessage().getContent().toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw Errors.metadataUnavailable("unreadable reply: " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        callers.shutdownNow();
        client.close();
    }
}
