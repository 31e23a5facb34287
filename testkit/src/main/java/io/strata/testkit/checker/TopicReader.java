package io.strata.testkit.checker;

import io.grpc.ManagedChannel;
import io.strata.proto.ConsumedRecord;
import io.strata.proto.ConsumerGrpc;
import io.strata.proto.FetchRequest;
import io.strata.proto.FetchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads every record below the high watermark of every partition of a topic through a gateway,
 * for the checkers. A gap (an offset skipped) is reported, not repaired: the read goes on from
 * the offset the log returned, so the checker sees the whole log and counts each gap.
 */
public final class TopicReader {
    /** Everything read, in log order per partition, and every gap found as "p<partition>: <from> -> <to>". */
    public record Read(List<StoredRecord> records, List<String> gaps) {
    }

    private TopicReader() {
    }

    public static Read readAll(ManagedChannel gateway, String topic, int partitions) {
        ConsumerGrpc.ConsumerBlockingStub consumer = ConsumerGrpc.newBlockingStub(gateway);
        List<StoredRecord> records = new ArrayList<>();
        List<String> gaps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            long offset = 0;
            while (true) {
                FetchResponse r = consumer.withDeadlineAfter(60, TimeUnit.SECONDS).fetch(FetchRequest.newBuilder()
                        .setTopic(topic).setPartition(p).setOffset(offset).setMaxBytes(1 << 20).build());
                for (ConsumedRecord c : r.getRecordsList()) {
                    if (c.getOffset() != offset) {
                        gaps.add("p" + p + ": " + offset + " -> " + c.getOffset());
                    }
                    records.add(new StoredRecord(p, c.getOffset(), c.getKey().toStringUtf8(), c.getValue().toStringUtf8()));
                    offset = c.getOffset() + 1;
                }
                if (r.getRecordsCount() == 0 || offset >= r.getHighWatermark()) {
                    break;
                }
            }
        }
        return new Read(records, gaps);
    }
}
