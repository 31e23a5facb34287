package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata groups delete GROUP}: deletes a group without members and its committed offsets. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a consumer group and its committed offsets (it must have no members).")
public class GroupsDeleteCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id.")
    String group;

    public GroupsDeleteCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            admin.deleteGroup(group);
            out().println("deleted group " + group);
            out().flush();
            return 0;
        }
    }
}
