package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.strata.common.error.StrataException;
import io.strata.proto.AdminGrpc;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throws random and malformed requests at every public RPC of a real in-JVM cluster: messages
 * with random field values (empty, huge, negative, unknown enum numbers, random bytes where a
 * record batch belongs), and bytes that are not a protobuf message at all. Every call must end
 * with a status — never hang — and a structurally valid request that fails must fail with a
 * Strata reason, never as INTERNAL or UNKNOWN (an unhandled exception). Afterwards the cluster
 * must still serve, and every record acknowledged before the fuzzing must read back unchanged.
 *
 * <p>The seed is printed in every failure; set {@code -Dfuzz.seed=N} to replay a run and
 * {@code -Dfuzz.rounds=N} to run longer.
 */
class RpcFuzzTest {
    static final String TARGET = "fuzz-target";
    /** Calls that may destroy or rewrite data only ever name topics and groups the fuzz owns. */
    static final Set<String> DESTRUCTIVE = Set.of("DeleteTopic", "AlterTopicConfigs", "DeleteGroup",
            "ResetGroupOffsets", "AlterPartitionReassignments", "CommitOffsets", "CreatePartitions");
    static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    static final int ROUNDS = Integer.getInteger("fuzz.rounds", 6);

    @TempDir
    static Path dataDir;
    static LocalCluster cluster;
    static ManagedChannel channel;
    /** What was acknowledged before fuzzing: partition → offset → value. */
    static final Map<Integer, Map<Long, ByteString>> acknowledged = new HashMap<>();

    @BeforeAll
    static void start() {
        cluster = LocalCluster.builder().dataDir(dataDir).build().start();
        channel = cluster.gatewayChannel();
        AdminGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder().setName(TARGET)
                .setPartitions(3).setReplicationFactor(3).build());
        ProducerGrpc.ProducerBlockingStub producer = ProducerGrpc.newBlockingStub(channel);
        for (int i = 0; i < 60; i++) {
            ByteString value = ByteString.copyFromUtf8("acknowledged-" + i);
            ProduceResponse r = producer.produce(ProduceRequest.newBuilder().setTopic(TARGET).setPartition(i % 3)
                    .addRecords(Record.newBuilder().setValue(value)).build());
            RecordPosition pos = r.getRecords(0);
            acknowledged.computeIfAbsent(pos.getPartition(), p -> new HashMap<>()).put(pos.getOffset(), value);
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close(); // closes the channel too
        }
    }

    @Test
    void randomAndMalformedRequestsGetAStatusAndChangeNothingAcknowledged() throws Exception {
        Random random = new Random(SEED);
        List<String> problems = new ArrayList<>();
        int calls = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (ServiceDescriptor service : List.of(ProducerGrpc.getServiceDescriptor(),
                    ConsumerGrpc.getServiceDescriptor(), AdminGrpc.getServiceDescriptor())) {
                for (MethodDescriptor<?, ?> method : service.getMethods()) {
                    calls += fuzz(method, random, problems);
                }
            }
        }
        assertTrue(problems.isEmpty(), "seed " + SEED + ", " + calls + " calls; problems:\n" + String.join("\n", problems));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertAcknowledgedRecordsUnchanged();
        ProduceResponse after = ProducerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setTopic(TARGET).setPartition(0)
                        .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("after"))).build());
        assertEquals(1, after.getRecordsCount(), "the cluster still accepts writes");
    }

    /** Sends one random message and one malformed byte string to {@code method}; returns the call count. */
    private int fuzz(MethodDescriptor<?, ?> method, Random random, List<String> problems) throws Exception {
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
        boolean destructive = DESTRUCTIVE.contains(method.getBareMethodName());
        int messages = method.getType().clientSendsOneMessage() ? 1 : 1 + random.nextInt(4);
        List<byte[]> structured = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            structured.add(RandomMessages.fill(prototype.newBuilderForType(), random, destructive, 0).toByteArray());
        }
        Ended ended = call(method, structured);
        Status status = ended == null ? null : ended.status();
        if (status == null) {
            problems.add(method.getFullMethodName() + ": no answer within 15 s (deadline 5 s) to " + messages + " random messages");
        } else if (status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN) {
            problems.add(method.getFullMethodName() + ": " + status + " for a well-formed random request");
        } else if (!status.isOk() && status.getCode() != Status.Code.DEADLINE_EXCEEDED
                && StrataException.detailOf(status.asRuntimeException(ended.trailers())) == null) {
            problems.add(method.getFullMethodName() + ": " + status + " carries no Strata reason");
        }
        byte[] garbage = new byte[1 + random.nextInt(64)];
        random.nextBytes(garbage);
        if (call(method, List.of(garbage)) == null) {
            problems.add(method.getFullMethodName() + ": no answer within 15 s (deadline 5 s) to malformed bytes");
        }
        return 2;
    }

    /**
     * Sends raw messages over {@code method}'s name and returns how the call ended, or null when it
     * did not end in time. Server-streaming and bidi calls are cancelled once their answer to the
     * sent messages is in (a Subscribe session would otherwise stay open); that counts as an end.
     */
    private static Ended call(MethodDescriptor<?, ?> method, List<byte[]> messages) throws Exception {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(method.getType()).setFullMethodName(method.getFullMethodName())
                .setRequestMarshaller(RawBytes.INSTANCE).setResponseMarshaller(RawBytes.INSTANCE).build();
        ClientCall<byte[], byte[]> call = channel.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
        CompletableFuture<Ended> closed = new CompletableFuture<>();
        boolean streamsBack = !method.getType().serverSendsOneMessage();
        call.start(new ClientCall.Listener<>() {
            private int answers;

            @Override
            public void onMessage(byte[] message) {
                answers++;
                call.request(1);
                if (streamsBack && answers >= messages.size()) {
                    closed.complete(new Ended(Status.OK, new Metadata())); // every message answered: enough for a session
                }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(new Ended(status, trailers));
            }
        }, new Metadata());
        call.request(1);
        for (byte[] m : messages) {
            call.sendMessage(m);
        }
        call.halfClose();
        try {
            return closed.get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        } finally {
            call.cancel("fuzz call done", null); // ends an open session; nothing if the call ended
        }
    }

    private static void assertAcknowledgedRecordsUnchanged() {
        ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(channel);
        for (Map.Entry<Integer, Map<Long, ByteString>> p : acknowledged.entrySet()) {
            long first = p.getValue().keySet().stream().mapToLong(Long::longValue).min().orElseThrow();
            Map<Long, ByteString> read = new HashMap<>();
            long offset = first;
            while (read.size() < p.getValue().size()) {
                FetchResponse r = consumer.withDeadlineAfter(30, TimeUnit.SECONDS).fetch(FetchRequest.newBuilder()
                        .setTopic(TARGET).setPartition(p.getKey()).setOffset(offset).build());
                if (r.getRecordsCount() == 0) {
                    fail("partition " + p.getKey() + " ends at " + offset + "; acknowledged " + p.getValue().keySet());
                }
                r.getRecordsList().forEach(c -> read.put(c.getOffset(), c.getValue()));
                offset = r.getNextOffset();
            }
            for (Map.Entry<Long, ByteString> e : p.getValue().entrySet()) {
                assertEquals(e.getValue(), read.get(e.getKey()), TARGET + "-" + p.getKey() + "@" + e.getKey());
            }
        }
    }

    /** How a call ended: its status and the trailers that carry a Strata error's details. */
    private record Ended(Status status, Metadata trailers) {
    }

    /** Passes messages through as bytes, so any byte string can be sent to any method. */
    private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
