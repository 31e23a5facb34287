package io.strata.cli;

import io.strata.cli.client.ClusterCommand;
import io.strata.cli.client.ConsumeCommand;
import io.strata.cli.client.GroupsCommand;
import io.strata.cli.client.ProduceCommand;
import io.strata.cli.client.TopicsCommand;
import io.strata.cli.perf.PerfCommand;
import io.strata.cli.server.DevCommand;
import io.strata.cli.server.GatewayCommand;
import io.strata.cli.server.MetadataCommand;
import io.strata.cli.server.StorageCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code strata} command: runs a server role (or a whole dev cluster) and talks to a
 * cluster as a client. Options may also come from an argument file: {@code strata storage @node.args}.
 */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0-SNAPSHOT",
        description = "A durable, partitioned, replicated event log.",
        subcommands = {DevCommand.class, MetadataCommand.class, StorageCommand.class, GatewayCommand.class,
                TopicsCommand.class, GroupsCommand.class, ClusterCommand.class, ProduceCommand.class, ConsumeCommand.class, PerfCommand.class,
                CommandLine.HelpCommand.class})
public final class Strata implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Strata()).execute(args));
    }
}
