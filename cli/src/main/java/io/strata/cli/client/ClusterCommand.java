package io.strata.cli.client;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code strata cluster}: what the cluster is made of (see the subcommands). */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Describe the cluster: storage nodes and metadata quorum.",
        subcommands = {ClusterDescribeCommand.class})
public class ClusterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public ClusterCommand() {
    }

    /** Without a subcommand: a usage error listing the subcommands. */
    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: describe");
    }
}
