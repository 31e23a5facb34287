package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import io.strata.proto.TopicDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code strata topics alter --topic T --config k=v ... [--delete-config k ...]}: changes a topic's
 * configs in one step (the AlterTopicConfigs RPC) and prints every config afterwards, as
 * {@code topics describe} does.
 */
@Command(name = "alter", mixinStandardHelpOptions = true,
        description = "Set topic configs or return them to their defaults.")
public class TopicsAlterCommand extends ClientCommand {

    @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic to change.")
    String topic;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "A config to set, e.g. retention.ms=86400000. Repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--delete-config", paramLabel = "KEY",
            description = "A config to return to its default. Repeatable.")
    List<String> remove = new ArrayList<>();

    public TopicsAlterCommand() {
    }

    @Override
    protected int run() {
        if (set.isEmpty() && remove.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "nothing to change: give --config KEY=VALUE or --delete-config KEY");
        }
        for (String key : remove) {
            if (set.containsKey(key)) {
                throw new ParameterException(spec.commandLine(), "config '" + key + "' is both set and deleted");
            }
        }
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            TopicDescription altered = admin.alterTopicConfigs(topic, set, remove);
            out().printf("altered topic %s:%n", topic);
            new TreeMap<>(altered.getConfigsMap()).forEach((k, v) -> out().printf("  %s=%s%n", k, v));
            out().flush();
            return 0;
        }
    }
}
