package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import io.strata.proto.TopicDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code strata topics add-partitions --topic T --partitions N}: raises the topic's partition count
 * to N (the new total, as Kafka's {@code kafka-topics --alter --partitions}). Keyed records already
 * written stay where they are, so a key may map to another partition from now on.
 */
@Command(name = "add-partitions", mixinStandardHelpOptions = true,
        description = "Raise a topic's partition count to N (the new total).")
public class TopicsAddPartitionsCommand extends ClientCommand {

    @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic to grow.")
    String topic;

    @Option(names = "--partitions", required = true, paramLabel = "N",
            description = "The new total number of partitions; more than the topic has now.")
    int partitions;

    public TopicsAddPartitionsCommand() {
    }

    @Override
    protected int run() {
        if (partitions < 1) {
            throw new ParameterException(spec.commandLine(), "--partitions must be at least 1, was " + partitions);
        }
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            TopicDescription grown = admin.createPartitions(topic, partitions);
            out().printf("topic %s now has %d partitions%n", topic, grown.getPartitionsCount());
            out().flush();
            return 0;
        }
    }
}
