package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata groups describe GROUP}: state, epoch, members with their partitions, committed offsets and lag. */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Show a group's state, members and their partitions, committed offsets and lag.")
public class GroupsDescribeCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id.")
    String group;

    public GroupsDescribeCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            out().print(GroupTable.description(admin.describeGroup(group)));
            out().flush();
            return 0;
        }
    }
}
