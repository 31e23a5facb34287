package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import io.strata.proto.TopicPartitionOffset;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata groups reset-offsets GROUP --topic T (--to-earliest | --to-latest | --to-offset N |
 * --to-timestamp MS | --to-datetime TIME) [--partitions P,...] [--execute]}: as Kafka's tool, a dry
 * run that prints the new offsets unless {@code --execute} is given; executing needs a group
 * without members.
 */
@Command(name = "reset-offsets", mixinStandardHelpOptions = true,
        description = "Move a group's committed offsets on a topic. Prints the plan; --execute applies it "
                + "(the group must have no members).")
public class GroupsResetOffsetsCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id.")
    String group;

    @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic whose offsets move.")
    String topic;

    @Option(names = "--partitions", split = ",", paramLabel = "P",
            description = "Partitions to reset, comma-separated (default: all of the topic's).")
    List<Integer> partitions = new ArrayList<>();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--execute", description = "Store the new offsets (default: only print them).")
    boolean execute;

    /** Exactly one reset target. */
    static class Target {
        @Option(names = "--to-earliest", required = true, description = "The oldest retained offset.")
        boolean earliest;

        @Option(names = "--to-latest", required = true, description = "The end of the log.")
        boolean latest;

        @Option(names = "--to-offset", required = true, paramLabel = "N",
                description = "An exact offset (moved into the retained range when outside it).")
        Long offset;

        @Option(names = "--to-timestamp", required = true, paramLabel = "MS",
                description = "The first offset at or after this time, in ms since the epoch.")
        Long timestampMs;

        @Option(names = "--to-datetime", required = true, paramLabel = "TIME",
                description = "As --to-timestamp, e.g. 2026-11-25T10:00:00Z (local time when no zone is given).")
        String datetime;
    }

    public GroupsResetOffsetsCommand() {
    }

    @Override
    protected int run() {
        StrataAdmin.ResetTo to = resetTo();
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            List<TopicPartitionOffset> offsets = admin.resetGroupOffsets(group, topic, partitions, to, !execute);
            out().print(GroupTable.offsets(group, offsets));
            out().println(execute ? "reset " + offsets.size() + " offsets of group " + group
                    : "dry run: nothing was changed; add --execute to apply");
            out().flush();
            return 0;
        }
    }

    private StrataAdmin.ResetTo resetTo() {
        if (target.earliest) {
            return StrataAdmin.ResetTo.earliest();
        }
        if (target.latest) {
            return StrataAdmin.ResetTo.latest();
        }
        if (target.offset != null) {
            return StrataAdmin.ResetTo.offset(target.offset);
        }
        if (target.timestampMs != null) {
            return StrataAdmin.ResetTo.timestamp(target.timestampMs);
        }
        return StrataAdmin.ResetTo.timestamp(parseTime(target.datetime));
    }

    private long parseTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeException zoned) {
            try {
                return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            } catch (DateTimeException local) {
                throw new ParameterException(spec.commandLine(), "--to-datetime '" + text
                        + "' is not a date-time like 2026-11-25T10:00:00Z or 2026-11-25T10:00:00");
            }
        }
    }
}
