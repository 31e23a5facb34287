package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata topics describe NAME}: partitions (leader, epoch, replicas, ISR) and configs as a table. */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Show a topic's partitions (leader, epoch, replicas, ISR) and configs.")
public class TopicsDescribeCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Topic name.")
    String name;

    public TopicsDescribeCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            out().print(TopicTable.format(admin.describeTopic(name)));
            out().flush();
            return 0;
        }
    }
}
