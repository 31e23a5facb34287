package io.strata.gateway.admin;

import io.grpc.stub.StreamObserver;
import io.strata.common.error.Errors;
import io.strata.common.error.RpcCalls;
import io.strata.common.metadata.MetadataClient;
import io.strata.common.topic.TopicConfig;
import io.strata.common.topic.TopicNames;
import io.strata.gateway.consume.GroupOffsets;
import io.strata.gateway.consume.PartitionReader;
import io.strata.gateway.routing.MetadataCache;
import io.strata.proto.AdminGrpc;
import io.strata.common.topic.PartitionReassignments;
import io.strata.proto.AlterPartitionReassignmentsRequest;
import io.strata.proto.AlterPartitionReassignmentsResponse;
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
import io.strata.proto.DeleteGroupRequest;
import io.strata.proto.DeleteGroupResponse;
import io.strata.proto.DescribeGroupRequest;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ElectLeadersRequest;
import io.strata.proto.ElectLeadersResponse;
import io.strata.proto.GroupDescription;
import io.strata.proto.ListGroupsRequest;
import io.strata.proto.ListGroupsResponse;
import io.strata.proto.ListPartitionReassignmentsRequest;
import io.strata.proto.ListPartitionReassignmentsResponse;
import io.strata.proto.ListTopicsRequest;
import io.strata.proto.ListTopicsResponse;
import io.strata.proto.NodeDescription;
import io.strata.proto.PartitionDescription;
import io.strata.proto.ResetGroupOffsetsRequest;
import io.strata.proto.ResetGroupOffsetsResponse;
import io.strata.proto.TopicDescription;
import io.strata.proto.internal.DescribeQuorumRequest;
import io.strata.proto.internal.GetImageRequest;
import io.strata.proto.internal.MetadataImage;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.PartitionRecord;
import io.strata.proto.internal.TopicRecord;

/**
 * The public Admin API. Topic reads are answered from a linearizable metadata read, so a
 * topic is visible to describe/list the moment its creation was acknowledged. Topic changes
 * (create, delete, add partitions, alter configs, elect preferred leaders, reassign replicas)
 * are validated here for early, clear errors and decided by the metadata service. Group calls
 * are in {@link GroupAdmin}.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {
    private final MetadataClient metadata;
    private final MetadataCache cache;
    private final GroupAdmin groups;

    public AdminService(MetadataClient metadata, MetadataCache cache, GroupOffsets offsets, PartitionReader reader) {
        this.metadata = metadata;
        this.cache = cache;
        this.groups = new GroupAdmin(metadata, cache, offsets, reader);
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
    public void alterPartitionReassignments(AlterPartitionReassignmentsRequest request,
                                            StreamObserver<AlterPartitionReassignmentsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            PartitionReassignments.validate(request);
            return metadata.call(stub -> stub.alterPartitionReassignments(request));
        });
    }

    /** From a linearizable image: a move is listed once acknowledged and no longer once it completed. */
    @Override
    public void listPartitionReassignments(ListPartitionReassignmentsRequest request,
                                           StreamObserver<ListPartitionReassignmentsResponse> observer) {
        RpcCalls.unary(observer, () -> {
            if (!request.getTopic().isEmpty()) {
                TopicNames.validate(request.getTopic());
            }
            ListPartitionReassignmentsResponse.Builder b = ListPartitionReassignmentsResponse.newBuilder();
            freshImage().getTopicsList().stream()
                    .filter(t -> request.getTopic().isEmpty() || t.getName().equals(request.getTopic()))
                    .sorted(java.util.Comparator.comparing(TopicRecord::getName))
                    .forEach(t -> t.getPartitionsList().stream().filter(PartitionReassignments::inProgress)
                            .forEach(p -> b.addReassignments(PartitionReassignments.describe(t.getName(), p))));
            return b.build();
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
        RpcCalls.unary(observer, () -> groups.list(request));
    }

    @Override
    public void describeGroup(DescribeGroupRequest request, StreamObserver<GroupDescription> observer) {
        RpcCalls.unary(observer, () -> groups.describe(request.getGroup()));
    }

    @Override
    public void deleteGroup(DeleteGroupRequest request, StreamObserver<DeleteGroupResponse> observer) {
        RpcCalls.unary(observer, () -> {
            groups.delete(request.getGroup());
            return DeleteGroupResponse.getDefaultInstance();
        });
    }

    @Override
    public void resetGroupOffsets(ResetGroupOffsetsRequest request, StreamObserver<ResetGroupOffsetsResponse> observer) {
        RpcCalls.unary(observer, () -> groups.reset(request));
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
                    .setLeaderEpoch(p.getLeaderEpoch()).addAllReplicas(p.getReplicasList()).addAllIsr(p.getIsrList())
                    .addAllAddingReplicas(p.getAddingReplicasList()).addAllRemovingReplicas(p.getRemovingReplicasList()));
        }
        return b.build();
    }
}
