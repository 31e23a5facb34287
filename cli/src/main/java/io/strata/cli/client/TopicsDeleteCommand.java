package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata topics delete NAME}: deletes a topic and all its data. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and all its data.")
public class TopicsDeleteCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Topic name.")
    String name;

    public TopicsDeleteCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            admin.deleteTopic(name);
            out().println("deleted topic " + name);
            out().flush();
            return 0;
        }
    }
}
