package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;

/** {@code strata topics list}: topic names, one per line, sorted. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List topic names.")
public class TopicsListCommand extends ClientCommand {

    public TopicsListCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            admin.listTopics().forEach(out()::println);
            out().flush();
            return 0;
        }
    }
}
