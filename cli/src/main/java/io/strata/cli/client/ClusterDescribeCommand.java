package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import picocli.CommandLine.Command;

/** {@code strata cluster describe}: storage nodes (rack, liveness), metadata peers and the controller. */
@Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Show storage nodes (address, rack, state), metadata peers (Raft role) and the controller.")
public class ClusterDescribeCommand extends ClientCommand {

    public ClusterDescribeCommand() {
    }

    @Override
    protected int run() {
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            out().print(ClusterTable.format(admin.describeCluster()));
            out().flush();
            return 0;
        }
    }
}
