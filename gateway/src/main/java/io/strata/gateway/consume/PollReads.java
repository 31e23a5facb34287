package io.strata.gateway.consume;

import io.strata.proto.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The reads behind one poll: every readable partition of a session is read from its position in
 * parallel, either waiting for all answers or, when nothing is there yet, long-polling until the
 * first partition has records. Answers line up with the partitions passed in; a partition that
 * has not answered yet is null. Stateless.
 */
final class PollReads {
    private PollReads() {
    }

    /** Reads every partition and waits for all answers. */
    static CompletableFuture<List<PartitionReader.Chunk>> readAll(PartitionReader reader,
                                                                  List<Map.Entry<TopicPartition, Long>> partitions,
                                                                  int maxBytes, int waitMs, int maxRecords,
                                                                  boolean raw) {
        List<CompletableFuture<PartitionReader.Chunk>> reads = start(reader, partitions, maxBytes, waitMs, maxRecords, raw);
        return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0]))
                .thenApply(v -> reads.stream().map(CompletableFuture::join).toList());
    }

    /** Long-polls every partition; answers as soon as one has records (or all time out). */
    static CompletableFuture<List<PartitionReader.Chunk>> readFirst(PartitionReader reader,
                                                                    List<Map.Entry<TopicPartition, Long>> partitions,
                                                                    int maxBytes, int waitMs, int maxRecords,
                                                                    boolean raw) {
        List<CompletableFuture<PartitionReader.Chunk>> reads = start(reader, partitions, maxBytes, waitMs, maxRecords, raw);
        CompletableFuture<List<PartitionReader.Chunk>> result = new CompletableFuture<>();
        Runnable answer = () -> result.complete(reads.stream().map(f -> f.getNow(null)).toList());
        for (CompletableFuture<PartitionReader.Chunk> r : reads) {
            r.thenAccept(c -> {
                if (!c.isEmpty()) {
                    answer.run();
                }
            });
        }
        CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                answer.run();
            }
        });
        return result;
    }

    static boolean hasRecords(List<PartitionReader.Chunk> chunks) {
        return chunks.stream().anyMatch(c -> c != null && !c.isEmpty());
    }

    private static List<CompletableFuture<PartitionReader.Chunk>> start(PartitionReader reader,
                                                                        List<Map.Entry<TopicPartition, Long>> partitions,
                                                                        int maxBytes, int waitMs, int maxRecords,
                                                                        boolean raw) {
        List<CompletableFuture<PartitionReader.Chunk>> reads = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : partitions) {
            reads.add(reader.read(e.getKey().getTopic(), e.getKey().getPartition(), e.getValue(), maxBytes, waitMs,
                    maxRecords, raw));
        }
        return reads;
    }
}
