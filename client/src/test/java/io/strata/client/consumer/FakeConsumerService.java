package io.strata.client.consumer;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.proto.Ack;
import io.strata.proto.Assignment;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.ErrorDetail;
import io.strata.proto.ErrorReason;
import io.strata.proto.PartitionBatches;
import io.strata.proto.PollResult;
import io.strata.proto.SubscribeRequest;
import io.strata.proto.SubscribeResponse;
import io.strata.proto.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted Consumer service: join answers with partitions 0 and 1 of every topic (member "m-N");
 * polls answer with the next queued batch of records (or none); commit, seek and leave are acked;
 * errors can be queued for the next request. Records every request.
 */
final class FakeConsumerService extends ConsumerGrpc.ConsumerImplBase {

    final BlockingQueue<SubscribeRequest> received = new LinkedBlockingQueue<>();
    final BlockingQueue<List<ConsumedRecord>> pollAnswers = new LinkedBlockingQueue<>();
    /** Raw batches for the next poll answers (alongside what {@link #pollAnswers} holds). */
    final BlockingQueue<List<PartitionBatches>> batchAnswers = new LinkedBlockingQueue<>();
    final BlockingQueue<ErrorDetail> nextErrors = new LinkedBlockingQueue<>();
    final CountDownLatch clientHalfClosed = new CountDownLatch(1);
    /** When set, polls are not answered until it is counted down. */
    volatile CountDownLatch holdPolls;
    private volatile StreamObserver<SubscribeResponse> current;
    private int joins;

    @Override
    public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> responses) {
        current = responses;
        return new StreamObserver<>() {
            @Override
            public void onNext(SubscribeRequest request) {
                received.add(request);
                answer(request, responses);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                clientHalfClosed.countDown();
                send(responses, null);
            }
        };
    }

    private void answer(SubscribeRequest request, StreamObserver<SubscribeResponse> responses) {
        SubscribeResponse.Builder b = SubscribeResponse.newBuilder().setRequestId(request.getRequestId());
        ErrorDetail error = nextErrors.poll();
        if (error != null) {
            send(responses, b.setError(error).build());
            return;
        }
        switch (request.getOpCase()) {
            case JOIN -> {
                if (request.getJoin().getTopicsList().contains("missing")) {
                    b.setError(ErrorDetail.newBuilder().setReason(ErrorReason.UNKNOWN_TOPIC)
                            .setMessage("topic 'missing' does not exist"));
                } else {
                    Assignment.Builder a = Assignment.newBuilder().setMemberId("m-" + (++joins)).setGroupEpoch(1);
                    for (String t : request.getJoin().getTopicsList()) {
                        a.addPartitions(TopicPartition.newBuilder().setTopic(t).setPartition(0));
                        a.addPartitions(TopicPartition.newBuilder().setTopic(t).setPartition(1));
                    }
                    b.setAssignment(a);
                }
            }
            case POLL -> {
                CountDownLatch hold = holdPolls;
                if (hold != null) {
                    try {
                        hold.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                List<ConsumedRecord> records = pollAnswers.poll();
                List<PartitionBatches> batches = batchAnswers.poll();
                b.setRecords(PollResult.newBuilder().addAllRecords(records == null ? List.of() : records)
                        .addAllBatches(batches == null ? List.of() : batches));
            }
            case COMMIT -> b.setAck(Ack.newBuilder().addAllCommitted(request.getCommit().getOffsetsList()));
            default -> b.setAck(Ack.getDefaultInstance());
        }
        send(responses, b.build());
    }

    /** Pushes an assignment event (request_id 0) on the current session. */
    void push(Assignment assignment) {
        send(current, SubscribeResponse.newBuilder().setAssignment(assignment).build());
    }

    /** Breaks the current session as a dying gateway would. */
    void killSession() {
        StreamObserver<SubscribeResponse> c = current;
        synchronized (c) {
            c.onError(Status.UNAVAILABLE.withDescription("gateway restarting").asRuntimeException());
        }
    }

    private static void send(StreamObserver<SubscribeResponse> responses, SubscribeResponse response) {
        synchronized (responses) {
            try {
                if (response == null) {
                    responses.onCompleted();
                } else {
                    responses.onNext(response);
                }
            } catch (IllegalStateException e) {
                // stream already closed
            }
        }
    }

    List<SubscribeRequest> receivedOf(SubscribeRequest.OpCase op) {
        List<SubscribeRequest> out = new ArrayList<>();
        for (SubscribeRequest r : received) {
            if (r.getOpCase() == op) {
                out.add(r);
            }
        }
        return out;
    }

    static ConsumedRecord record(String topic, int partition, long offset, String key, String value) {
        ConsumedRecord.Builder b = ConsumedRecord.newBuilder().setTopic(topic).setPartition(partition)
                .setOffset(offset).setTimestampMs(1000 + offset);
        if (key != null) {
            b.setKey(com.google.protobuf.ByteString.copyFromUtf8(key));
        }
        if (value != null) {
            b.setValue(com.google.protobuf.ByteString.copyFromUtf8(value));
        }
        return b.build();
    }
}
