package io.strata.client.consumer;

import com.google.protobuf.ByteString;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.strata.common.batch.Compression;
import io.strata.common.batch.RecordBatchBuilder;
import io.strata.common.net.AliasingMarshaller;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.PartitionBatches;
import io.strata.proto.PollResult;
import io.strata.proto.SubscribeResponse;
import java.io.ByteArrayInputStream;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's receive path for one poll answer of 2,000 × 1 KiB records in two partitions:
 * parsed into a fresh array and decoded ({@code AliasingMarshaller.forResponses}, as before), against
 * parsed into one reused array and decoded as it is parsed ({@link SubscribeAnswer}). Not part of
 * the default suite: {@code mvn -B -ntp -pl client -am -Pbench verify -Dtest=PollAnswerDecodeBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dbench.answers=N} per round, 5 rounds each,
 * alternating). Logs µs per answer with the prefix {@code BENCH}.
 */
class PollAnswerDecodeBenchmark {
    private static final Logger log = LoggerFactory.getLogger(PollAnswerDecodeBenchmark.class);

    /** gRPC hands marshallers streams that know their length. */
    private static final class WireStream extends ByteArrayInputStream implements KnownLength {
        WireStream(byte[] bytes) {
            super(bytes);
        }
    }

    @Test
    void freshArrayAgainstInPlace() {
        int answers = Integer.getInteger("bench.answers", 2_000);
        byte[] wire = answer();
        MethodDescriptor.Marshaller<SubscribeResponse> fresh = AliasingMarshaller.forResponses(
                ConsumerGrpc.getSubscribeMethod(), SubscribeResponse.getDefaultInstance()).getResponseMarshaller();
        MethodDescriptor.Marshaller<SubscribeAnswer> inPlace = AliasingMarshaller.decodingInPlace(
                SubscribeResponse.getDefaultInstance(), SubscribeAnswer::decode);
        ToIntFunction<byte[]> viaFresh = bytes -> SubscribeAnswer.decode(fresh.parse(new WireStream(bytes)))
                .batches().size();
        ToIntFunction<byte[]> viaInPlace = bytes -> inPlace.parse(new WireStream(bytes)).batches().size();
        for (int round = 0; round < 5; round++) {
            log.info("BENCH poll answer of {} bytes: fresh array {} us, in place {} us (round {})", wire.length,
                    microsPerAnswer(viaFresh, wire, answers), microsPerAnswer(viaInPlace, wire, answers), round);
        }
    }

    private static String microsPerAnswer(ToIntFunction<byte[]> receive, byte[] wire, int answers) {
        long sink = 0;
        long start = System.nanoTime();
        for (int i = 0; i < answers; i++) {
            sink += receive.applyAsInt(wire);
        }
        long elapsed = System.nanoTime() - start;
        if (sink != 2L * answers) {
            throw new AssertionError("decoded " + sink + " partitions' records, expected " + 2L * answers);
        }
        return String.format("%.1f", elapsed / 1e3 / answers);
    }

    private static byte[] answer() {
        PollResult.Builder result = PollResult.newBuilder();
        byte[] value = new byte[1024];
        new Random(7).nextBytes(value);
        for (int partition = 0; partition < 2; partition++) {
            RecordBatchBuilder batch = new RecordBatchBuilder(Compression.NONE);
            for (int i = 0; i < 1000; i++) {
                batch.append(i, null, value);
            }
            result.addBatches(PartitionBatches.newBuilder().setTopic("bench").setPartition(partition)
                    .setStartOffset(0).setNextOffset(1000).setBatches(ByteString.copyFrom(batch.build())));
        }
        return SubscribeResponse.newBuilder().setRequestId(1).setRecords(result).build().toByteArray();
    }
}
