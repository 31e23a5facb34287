package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;

/** {@code strata groups list}: every group with members or committed offsets, its state and member count. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List consumer groups.")
public class GroupsListCommand extends ClientCommand {

    public GroupsListCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            out().print(GroupTable.listing(admin.listGroups()));
            out().flush();
            return 0;
        }
    }
}
