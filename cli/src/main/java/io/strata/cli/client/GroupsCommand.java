package io.strata.cli.client;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code strata groups}: lists, describes and deletes consumer groups and resets their offsets (see the subcommands). */
@Command(name = "groups", mixinStandardHelpOptions = true,
        description = "List, describe and delete consumer groups; reset their committed offsets.",
        subcommands = {GroupsListCommand.class, GroupsDescribeCommand.class, GroupsDeleteCommand.class,
                GroupsResetOffsetsCommand.class})
public class GroupsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public GroupsCommand() {
    }

    /** Without a subcommand: a usage error listing the subcommands. */
    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing subcommand: one of list, describe, delete, reset-offsets");
    }
}
