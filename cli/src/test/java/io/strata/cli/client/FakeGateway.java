package io.strata.cli.client;

import com.google.protobuf.Any;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.strata.proto.Ack;
import io.strata.proto.AdminGrpc;
import io.strata.proto.Assignment;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.CreateTopicRequest;
import io.strata.proto.CreateTopicResponse;
import io.strata.proto.DescribeTopicRequest;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.PollResult;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.Record;
import io.strata.proto.RecordPosition;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicDescription;
import io.strata.proto.TopicPartition;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory gateway on 127.0.0.1 (ephemeral port) for CLI tests: one partition per topic;
 * produced records are kept and served to consumers; commits are recorded.
 */
final class FakeGateway implements AutoCloseable {

    final Map<String, TopicDescription> topics = new ConcurrentHashMap<>();
    final List<Record> produced = new CopyOnWriteArrayList<>();
    final List<SubscribeRequest> subscribeRequests = new CopyOnWriteArrayList<>();
    private final Server server;

    FakeGateway() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Producer()).addService(new Consumer()).addService(new Admin())
                .build().start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    static StatusRuntimeException error(ErrorReason reason, String message) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.NOT_FOUND.value()).setMessage(message)
                .addDetails(Any.pack(ErrorDetail.newBuilder().setReason(reason).setMessage(message).build()))
                .build());
    }

    @Override
    public void close() throws Exception {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Producer extends ProducerGrpc.ProducerImplBase {
        @Override
        public void produce(ProduceRequest request, StreamObserver<ProduceResponse> out) {
            if (!topics.containsKey(request.getTopic())) {
                out.onError(error(ErrorReason.UNKNOWN_TOPIC, "topic '" + request.getTopic() + "' does not exist"));
                return;
            }
            ProduceResponse.Builder b = ProduceResponse.newBuilder();
            synchronized (produced) {
                for (Record r : request.getRecordsList()) {
                    b.addRecords(RecordPosition.newBuilder().setPartition(0).setOffset(produced.size()));
                    produced.add(r);
                }
            }
            out.onNext(b.build());
            out.onCompleted();
        }
    }

    private final class Consumer extends ConsumerGrpc.ConsumerImplBase {
        @Override
        public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> out) {
            return new StreamObserver<>() {
                private long position;
                private String topic;

                @Override
                public void onNext(SubscribeRequest r) {
                    subscribeRequests.add(r);
                    SubscribeResponse.Builder b = SubscribeResponse.newBuilder().setRequestId(r.getRequestId());
                    switch (r.getOpCase()) {
                        case JOIN -> {
                            topic = r.getJoin().getTopics(0);
                            b.setAssignment(Assignment.newBuilder().setMemberId("m").setGroupEpoch(1)
                                    .addPartitions(TopicPartition.newBuilder().setTopic(topic).setPartition(0)));
                        }
                        case POLL -> {
                            PollResult.Builder records = PollResult.newBuilder();
                            int max = r.getPoll().getMaxRecords();
                            while (position < produced.size() && records.getRecordsCount() < max) {
                                Record p = produced.get((int) position);
                                ConsumedRecord.Builder c = ConsumedRecord.newBuilder().setTopic(topic)
                                        .setPartition(0).setOffset(position).setTimestampMs(p.getTimestampMs());
                                if (p.hasKey()) {
                                    c.setKey(p.getKey());
                                }
                                if (p.hasValue()) {
                                    c.setValue(p.getValue());
                                }
                                records.addRecords(c);
                                position++;
                            }
                            b.setRecords(records);
                        }
                        default -> b.setAck(Ack.getDefaultInstance());
                    }
                    synchronized (out) {
                        out.onNext(b.build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    synchronized (out) {
                        out.onCompleted();
                    }
                }
            };
        }
    }

    private final class Admin extends AdminGrpc.AdminImplBase {
        @Override
        public void createTopic(CreateTopicRequest r, StreamObserver<CreateTopicResponse> out) {
            TopicDescription d = TopicDescription.newBuilder().setName(r.getName()).setTopicId("tid")
                    .setReplicationFactor(r.getReplicationFactor()).putAllConfigs(r.getConfigsMap())
                    .addPartitions(io.strata.proto.PartitionDescription.newBuilder().setPartition(0).setLeader(1)
                            .addReplicas(1).addIsr(1))
                    .build();
            topics.put(r.getName(), d);
            out.onNext(CreateTopicResponse.newBuilder().setTopic(d).build());
            out.onCompleted();
        }

        @Override
        public void describeTopic(DescribeTopicRequest r, StreamObserver<TopicDescription> out) {
            TopicDescription d = topics.get(r.getName());
            if (d == null) {
                out.onError(error(ErrorReason.UNKNOWN_TOPIC, "topic '" + r.getName() + "' does not exist"));
            } else {
                out.onNext(d);
                out.onCompleted();
            }
        }

        @Override
        public void listTopics(io.strata.proto.ListTopicsRequest r, StreamObserver<io.strata.proto.ListTopicsResponse> out) {
            out.onNext(io.strata.proto.ListTopicsResponse.newBuilder()
                    .addAllNames(topics.keySet().stream().sorted().toList()).build());
            out.onCompleted();
        }
    }
}
