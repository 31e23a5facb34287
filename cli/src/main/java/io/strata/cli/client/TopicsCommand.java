package io.strata.cli.client;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code strata topics}: creates, lists, describes, alters and deletes topics, adds partitions and moves their replicas (see the subcommands). */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create, list, describe, alter and delete topics; add partitions; move their replicas.",
        subcommands = {TopicsCreateCommand.class, TopicsListCommand.class, TopicsDescribeCommand.class,
                TopicsDeleteCommand.class, TopicsReassignCommand.class, TopicsAlterCommand.class,
                TopicsAddPartitionsCommand.class})
public class TopicsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public TopicsCommand() {
    }

    /** Without a subcommand: a usage error listing the subcommands. */
    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing subcommand: one of create, list, describe, delete, reassign, alter, add-partitions");
    }
}
