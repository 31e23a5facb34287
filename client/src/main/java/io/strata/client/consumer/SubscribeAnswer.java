package io.strata.client.consumer;

import io.strata.client.StrataClientException;
import io.strata.proto.PartitionBatches;
import io.strata.proto.PollResult;
import io.strata.proto.SubscribeResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A Subscribe answer as the consumer receives it: the response, with the records of its poll
 * result already decoded, so that the response keeps no record bytes (it is parsed in place, see
 * {@code AliasingMarshaller.decodingInPlace}).
 *
 * @param response the answer without its records' bytes (poll result: no records, batches only as
 *                 their partition and offsets)
 * @param records  the records the gateway decoded itself (polls without raw batches), in order
 * @param batches  for each partition's batches of the answer, in order: its records, decoded here
 * @param corrupt  why the batches of {@code batches}' next partition could not be decoded (the
 *                 rest were not tried), or null
 */
record SubscribeAnswer(SubscribeResponse response, List<ConsumerRecord> records, List<PartitionRecords> batches,
                       StrataClientException corrupt) {

    /** The records of one {@link PartitionBatches}; {@code from} without its bytes. */
    record PartitionRecords(PartitionBatches from, List<ConsumerRecord> records) {
    }

    /** Decodes every record {@code response} carries; the answer refers to none of its byte fields. */
    static SubscribeAnswer decode(SubscribeResponse response) {
        if (!response.hasRecords()) {
            return new SubscribeAnswer(response, List.of(), List.of(), null);
        }
        PollResult result = response.getRecords();
        List<ConsumerRecord> records = result.getRecordsList().stream().map(ConsumerRecord::fromProto).toList();
        List<PartitionRecords> batches = new ArrayList<>();
        StrataClientException corrupt = null;
        for (PartitionBatches b : result.getBatchesList()) {
            try {
                batches.add(new PartitionRecords(b.toBuilder().clearBatches().build(), ConsumerRecord.fromBatches(b)));
            } catch (StrataClientException e) {
                corrupt = e;
                break;
            }
        }
        SubscribeResponse stripped = response.toBuilder().setRecords(result.toBuilder().clearRecords().clearBatches())
                .build();
        return new SubscribeAnswer(stripped, records, batches, corrupt);
    }
}
