package io.strata.client.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.client.GrpcTestServer;
import io.strata.client.StrataClientException;
import io.strata.proto.AdminGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.CreateTopicResponse;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ErrorReason;
import io.strata.proto.ListTopicsRequest;
import io.strata.proto.ListTopicsResponse;
import io.strata.proto.PartitionDescription;
import io.strata.proto.TopicDescription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StrataAdminTest {

    /** Keeps created topics in memory; UNKNOWN_TOPIC / TOPIC_ALREADY_EXISTS like the gateway. */
    static final class FakeAdmin extends AdminGrpc.AdminImplBase {
        final Map<String, TopicDescription> topics = new ConcurrentHashMap<>();

        @Override
        public void createTopic(CreateTopicRequest r, StreamObserver<CreateTopicResponse> out) {
            if (topics.containsKey(r.getName())) {
                out.onError(GrpcTestServer.error(Status.Code.ALREADY_EXISTS, ErrorReason.TOPIC_ALREADY_EXISTS,
                        "topic '" + r.getName() + "' already exists"));
                return;
            }
            TopicDescription.Builder d = TopicDescription.newBuilder().setName(r.getName()).setTopicId("id-1")
                    .setReplicationFactor(r.getReplicationFactor()).putAllConfigs(r.getConfigsMap());
            for (int p = 0; p < r.getPartitions(); p++) {
                d.addPartitions(PartitionDescription.newBuilder().setPartition(p).setLeader(1).addReplicas(1).addIsr(1));
            }
            topics.put(r.getName(), d.build());
            out.onNext(CreateTopicResponse.newBuilder().setTopic(d).build());
            out.onCompleted();
        }

        @Override
        public void describeTopic(DescribeTopicRequest r, StreamObserver<TopicDescription> out) {
            TopicDescription d = topics.get(r.getName());
            if (d == null) {
                out.onError(GrpcTestServer.error(Status.Code.NOT_FOUND, ErrorReason.UNKNOWN_TOPIC,
                        "topic '" + r.getName() + "' does not exist"));
                return;
            }
            out.onNext(d);
            out.onCompleted();
        }

        @Override
        public void listTopics(ListTopicsRequest r, StreamObserver<ListTopicsResponse> out) {
            out.onNext(ListTopicsResponse.newBuilder().addAllNames(topics.keySet().stream().sorted().toList()).build());
            out.onCompleted();
        }
    }

    private final FakeAdmin service = new FakeAdmin();
    private GrpcTestServer server;
    private StrataAdmin admin;

    @BeforeEach
    void start() {
        server = GrpcTestServer.start(service);
        admin = new StrataAdmin(server.bootstrap(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        server.close();
    }

    @Test
    void createdTopicIsListedAndDescribed() {
        TopicDescription created = admin.createTopic("orders", 3, 1, Map.of("retention.ms", "1000"));

        assertEquals(3, created.getPartitionsCount());
        assertEquals(List.of("orders"), admin.listTopics());
        TopicDescription described = admin.describeTopic("orders");
        assertEquals("1000", described.getConfigsMap().get("retention.ms"));
    }

    @Test
    void creatingAnExistingTopicFailsWithTopicAlreadyExists() {
        admin.createTopic("orders", 1, 1, null);

        StrataClientException e = assertThrows(StrataClientException.class, () -> admin.createTopic("orders", 1, 1, Map.of()));
        assertEquals(ErrorReason.TOPIC_ALREADY_EXISTS, e.reason());
        assertEquals("topic 'orders' already exists", e.getMessage());
    }

    @Test
    void describingAnUnknownTopicFailsWithUnknownTopic() {
        StrataClientException e = assertThrows(StrataClientException.class, () -> admin.describeTopic("nope"));
        assertEquals(ErrorReason.UNKNOWN_TOPIC, e.reason());
    }

    @Test
    void rpcTheGatewayDoesNotImplementFailsWithUnsupported() {
        StrataClientException e = assertThrows(StrataClientException.class, () -> admin.describeCluster());
        assertEquals(ErrorReason.UNSUPPORTED, e.reason());
    }
}
