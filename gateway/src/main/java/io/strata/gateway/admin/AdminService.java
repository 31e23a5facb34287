package io.strata.gateway.admin;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.RpcCalls;
import io.strata.common.error.StrataException;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.topic.TopicConfig;
import io.strata.common.topic.TopicNames;
import io.strata.gateway.consume.ConsumerService;
import io.strata.gateway.consume.GroupOffsets;
import io.strata.gateway.consume.PartitionReader;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.AdminGrpc;
import io.strata.proto.AlterTopicConfigsRequest;
import io.strata.proto.AlterTopicConfigsResponse;
import io.strata.proto.ClusterDescription;
import io.strata.proto.CreatePartitionsRequest;
import io.strata.proto.CreatePartitionsResponse;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.CreateTopicResponse;
import io.strata.proto.DeleteTopicRequest;
import io.strata.proto.DeleteTopicResponse;
import io.strata.proto.DescribeClusterRequest;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ElectLeadersRequest;
import io.strata.proto.ElectLeadersResponse;
import io.strata.proto.ErrorReason;
import io.strata.proto.GroupDescription;
import io.strata.proto.GroupListing;
import io.strata.proto.GroupMember;
import io.strata.proto.ListGroupsRequest;
import io.strata.proto.ListGroupsResponse;
import io.strata.proto.ListTopicsRequest;
import io.strata.proto.ListTopicsResponse;
import io.strata.proto.NodeDescription;
import io.strata.proto.OffsetSpec;
import io.strata.proto.PartitionDescription;
import io.strata.proto.PartitionLag;
import io.strata.proto.TopicDescription;
import io.strata.proto.TopicPartition;
import io.strata.proto.internal.DescribeQuorumRequest;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The public Admin API. Topic reads are answered from a linearizable metadata read, so a
 * topic is visible to describe/list the moment its creation was acknowledged. Topic changes
 * (create, delete, add partitions, alter configs, elect preferred leaders) are validated here
 * for early, clear errors and decided by the metadata service.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {
    private final MetadataClient metadata;
    private final MetadataCache cache;
    private final GroupOffsets offsets;
    private final PartitionReader reader;
    private final ConsumerService consumers;
    private final java.util.function.Supplier<String> gatewayAddress;

    public AdminService(MetadataClient metadata, MetadataCache cache, GroupOffsets offsets, PartitionReader reader,
                        ConsumerService consumers,
                        java.util.function.Supplier<String> gatewayAddress) {
        this.metadata = metadata;
        this.cache = cache;
        this.offsets = offsets;
        this.reader = reader;
        this.consumers = consumers;
        this.gatewayAddress = gatewayAddress;
    }

    @Override
    public void createTopic(CreateTopicRequest request, StreamObserver<CreateTopicResponse> observer) {
        RpcCalls.unary(observer, () -> {
            TopicNames.validate(request.getName());
            TopicConfig.validate(request.getConfigsMap());
            TopicRecord created = metadata.call(stub -> stub.createTopic(request));
            return CreateTopicResponse.newBuilder().setTopic(describe(created)).build();
        });
    }

    @Override
    public void deleteTopic(DeleteTopicRequest request, StreamObserver<DeleteTopicResponse> observer) {
        RpcCalls.unary(observer, () -> {
            TopicNames.validate(request.getName());
            return metadata.call(stub -> stub.deleteTopic(request));
        });
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            TopicNames.validate(request.getTopic());
            TopicRecord grown = metadata.call(stub -> stub.createPartitions(request));
            return CreatePartitionsResponse.newBuilder().setTopic(describe(grown)).build();
        });
    }

    @Override
    public void alterTopicConfigs(AlterTopicConfigsRequest request, StreamObserver<AlterTopicConfigsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            TopicNames.validate(request.getTopic());
            TopicConfig.validate(request.getSetMap());
            request.getRemoveList().forEach(TopicConfig::of);
            TopicRecord altered = metadata.call(stub -> stub.alterTopicConfigs(request));
            return AlterTopicConfigsResponse.newBuilder().setTopic(describe(altered)).build();
        });
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
        RpcCalls.unary(observer, () -> {
            TopicNames.validate(request.getTopic());
            TopicRecord elected = metadata.call(stub -> stub.electLeaders(request));
            return ElectLeadersResponse.newBuilder().setTopic(describe(elected)).build();
        });
    }

    @Override
    public void describeTopic(DescribeTopicRequest request, StreamObserver<TopicDescription> observer) {
        RpcCalls.unary(observer, () -> {
            TopicNames.validate(request.getName());
            return freshImage().getTopicsList().stream().filter(t -> t.getName().equals(request.getName()))
                    .findFirst().map(AdminService::describe)
                    .orElseThrow(() -> Errors.unknownTopic(request.getName()));
        });
    }

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> observer) {
        RpcCalls.unary(observer, () -> ListTopicsResponse.newBuilder()
                .addAllNames(freshImage().getTopicsList().stream().map(TopicRecord::getName).sorted().toList())
                .build());
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<ClusterDescription> observer) {
        RpcCalls.unary(observer, () -> {
            ClusterDescription.Builder b = ClusterDescription.newBuilder();
            for (NodeRecord n : freshImage().getNodesList()) {
                b.addNodes(NodeDescription.newBuilder().setId(n.getId()).setAddress(n.getAddress())
                        .setRack(n.getRack()).setState(switch (n.getState()) {
                            case NODE_ALIVE -> "ALIVE";
                            case NODE_SHUTTING_DOWN -> "SHUTTING_DOWN";
                            default -> "FENCED";
                        }));
            }
            b.addAllMetadataPeers(metadata.call(stub -> stub.describeQuorum(DescribeQuorumRequest.getDefaultInstance()))
                    .getPeersList());
            return b.build();
        });
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            Map<String, GroupListing> groups = new TreeMap<>();
            metadata.call(stub -> stub.listGroups(request)).getGroupsList().forEach(g -> groups.put(g.getGroup(), g));
            Map<String, Long> members = consumers.sessions().stream()
                    .collect(Collectors.groupingBy(ConsumerService.SessionView::group, Collectors.counting()));
            members.forEach((g, n) -> groups.put(g, GroupListing.newBuilder().setGroup(g).setState("STABLE")
                    .setMembers(n.intValue()).build()));
            return ListGroupsResponse.newBuilder().addAllGroups(groups.values()).build();
        });
    }

    @Override
    public void describeGroup(DescribeGroupRequest request, StreamObserver<GroupDescription> observer) {
        RpcCalls.unary(observer, () -> {
            GroupOffsets.validateGroup(request.getGroup());
            Map<TopicPartition, Long> committed = offsets.fetch(request.getGroup(), List.of());
            List<ConsumerService.SessionView> members = consumers.sessions().stream()
                    .filter(s -> s.group().equals(request.getGroup())).toList();
            if (committed.isEmpty() && members.isEmpty()) {
                throw new StrataException(ErrorReason.UNKNOWN_GROUP, "group '" + request.getGroup()
                        + "' has no members on this gateway and no committed offsets");
            }
            GroupDescription.Builder b = GroupDescription.newBuilder().setGroup(request.getGroup())
                    .setState(members.isEmpty() ? "EMPTY" : "STABLE").setGroupEpoch(1);
            for (ConsumerService.SessionView s : members) {
                b.addMembers(GroupMember.newBuilder().setMemberId(s.memberId()).setClientId(s.clientId())
                        .setGateway(gatewayAddress.get()).addAllAssignment(s.assignment()));
            }
            committed.entrySet().stream()
                    .sorted((a, c) -> a.getKey().getTopic().equals(c.getKey().getTopic())
                            ? Integer.compare(a.getKey().getPartition(), c.getKey().getPartition())
                            : a.getKey().getTopic().compareTo(c.getKey().getTopic()))
                    .forEach(e -> {
                        long hw = reader.listOffset(e.getKey().getTopic(), e.getKey().getPartition(),
                                OffsetSpec.OFFSET_SPEC_LATEST, 0).join();
                        b.addOffsets(PartitionLag.newBuilder().setTopic(e.getKey().getTopic())
                                .setPartition(e.getKey().getPartition()).setCommitted(e.getValue())
                                .setHighWatermark(hw).setLag(Math.max(0, hw - e.getValue())));
                    });
            return b.build();
        });
    }

    private MetadataImage freshImage() {
        MetadataImage image = metadata.call(stub -> stub.getImage(GetImageRequest.newBuilder().setLinearizable(true).build()));
        cache.update(image);
        return image;
    }

    /** The public description of a topic record, with every config's effective value. */
    static TopicDescription describe(TopicRecord t) {
        TopicDescription.Builder b = TopicDescription.newBuilder().setName(t.getName()).setTopicId(t.getTopicId())
                .setReplicationFactor(t.getReplicationFactor()).putAllConfigs(TopicConfig.effective(t.getConfigsMap()));
        for (PartitionRecord p : t.getPartitionsList()) {
            b.addPartitions(PartitionDescription.newBuilder().setPartition(p.getPartition()).setLeader(p.getLeader())
                    .setLeaderEpoch(p.getLeaderEpoch()).addAllReplicas(p.getReplicasList()).addAllIsr(p.getIsrList()));
        }
        return b.build();
    }
}
