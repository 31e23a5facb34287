package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import io.strata.proto.TopicDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata topics create NAME --partitions N --replication-factor R [--config k=v]...}. */
@Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
public class TopicsCreateCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Topic name ([a-zA-Z0-9._-], 1 to 249 characters).")
    String name;

    @Option(names = "--partitions", required = true, paramLabel = "N", description = "Number of partitions (>= 1).")
    int partitions;

    @Option(names = "--replication-factor", required = true, paramLabel = "R",
            description = "Replicas per partition (<= number of live storage nodes).")
    int replicationFactor;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "A topic config, e.g. min.insync.replicas=2 or retention.ms=86400000. Repeatable.")
    Map<String, String> configs = new LinkedHashMap<>();

    public TopicsCreateCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            TopicDescription topic = admin.createTopic(name, partitions, replicationFactor, configs);
            out().printf("created topic %s with %d partitions and replication factor %d%n",
                    topic.getName().isEmpty() ? name : topic.getName(),
                    topic.getPartitionsCount() == 0 ? partitions : topic.getPartitionsCount(),
                    topic.getReplicationFactor() == 0 ? replicationFactor : topic.getReplicationFactor());
            out().flush();
            return 0;
        }
    }
}
