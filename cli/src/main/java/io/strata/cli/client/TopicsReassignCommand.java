package io.strata.cli.client;

import io.strata.client.admin.StrataAdmin;
import io.strata.proto.PartitionReassignment;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code strata topics reassign}: moves a partition's replicas to other storage nodes
 * ({@code --topic T --partition P --replicas 2,3,4 [--wait]}), lists the moves in progress
 * ({@code --list [--topic T]}) or cancels one ({@code --cancel --topic T --partition P}).
 */
@Command(name = "reassign", mixinStandardHelpOptions = true,
        description = {"Move a partition's replicas to other storage nodes while it keeps serving; list or cancel"
                + " moves in progress.",
                "  reassign --topic T --partition P --replicas 2,3,4 [--wait]",
                "  reassign --list [--topic T]",
                "  reassign --cancel --topic T --partition P"})
public class TopicsReassignCommand extends ClientCommand {

    @Option(names = "--topic", paramLabel = "NAME", description = "The topic (with --list: only its partitions).")
    String topic;

    @Option(names = "--partition", paramLabel = "P", description = "The partition to move or whose move to cancel.")
    Integer partition;

    @Option(names = "--replicas", split = ",", paramLabel = "ID,ID,...",
            description = "The new replica node ids, the first being the preferred leader. Their count may differ from"
                    + " the current one but not fall below the topic's min.insync.replicas.")
    List<Integer> replicas = new ArrayList<>();

    @Option(names = "--list", description = "List the partitions being reassigned.")
    boolean list;

    @Option(names = "--cancel", description = "Cancel the partition's reassignment: added replicas are dropped,"
            + " the original ones stay.")
    boolean cancel;

    @Option(names = "--wait", description = "Wait until the move is complete (the new replicas are in sync and the"
            + " old ones dropped).")
    boolean await;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "600000",
            description = "With --wait: give up (exit 1, the move goes on) after this long. Default: ${DEFAULT-VALUE}.")
    long timeoutMs;

    public TopicsReassignCommand() {
    }

    @Override
    protected int run() throws InterruptedException {
        checkOptions();
        try (StrataAdmin admin = new StrataAdmin(bootstrap.resolve(), StrataAdmin.DEFAULT_REQUEST_TIMEOUT)) {
            if (list) {
                printList(admin.listPartitionReassignments(topic));
                return 0;
            }
            String name = topic + "-" + partition;
            if (cancel) {
                PartitionReassignment p = admin.cancelPartitionReassignment(topic, partition);
                out().printf("cancelled the reassignment of %s; its replicas are %s%n", name,
                        TextTable.ids(p.getReplicasList()));
                out().flush();
                return 0;
            }
            long started = System.nanoTime();
            PartitionReassignment p = admin.reassignPartition(topic, partition, replicas);
            if (p.getAddingReplicasCount() + p.getRemovingReplicasCount() == 0) {
                out().printf("%s moved to replicas %s (leader %d)%n", name, TextTable.ids(p.getReplicasList()),
                        p.getLeader());
                out().flush();
                return 0;
            }
            out().printf("reassigning %s: replicas %s, adding %s, removing %s%n", name,
                    TextTable.ids(p.getReplicasList()), TextTable.ids(p.getAddingReplicasList()),
                    TextTable.ids(p.getRemovingReplicasList()));
            out().flush();
            return await ? awaitCompletion(admin, name, started) : 0;
        }
    }

    private void checkOptions() {
        if (list) {
            if (cancel || partition != null || !replicas.isEmpty() || await) {
                throw new ParameterException(spec.commandLine(), "--list takes only --topic");
            }
            return;
        }
        if (topic == null || partition == null) {
            throw new ParameterException(spec.commandLine(), "--topic and --partition are required (or use --list)");
        }
        if (cancel == !replicas.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give either --replicas ID,ID,... or --cancel");
        }
        if (cancel && await) {
            throw new ParameterException(spec.commandLine(), "--wait goes with --replicas; a cancel takes effect at once");
        }
    }

    /** Polls the reassignments until the partition is no longer listed; prints where it ended up. */
    private int awaitCompletion(StrataAdmin admin, String name, long started) throws InterruptedException {
        long deadline = started + timeoutMs * 1_000_000;
        while (admin.listPartitionReassignments(topic).stream().anyMatch(r -> r.getPartition() == partition)) {
            if (System.nanoTime() > deadline) {
                return fail("the reassignment of " + name + " did not complete within " + timeoutMs
                        + " ms; it goes on (see strata topics reassign --list)");
            }
            Thread.sleep(200);
        }
        var now = admin.describeTopic(topic).getPartitions(partition);
        out().printf("%s moved to replicas %s (leader %d) in %.1f s%n", name, TextTable.ids(now.getReplicasList()),
                now.getLeader(), (System.nanoTime() - started) / 1e9);
        out().flush();
        return 0;
    }

    private void printList(List<PartitionReassignment> moves) {
        if (moves.isEmpty()) {
            out().println("no reassignments in progress");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING", "ISR", "LEADER"});
            for (PartitionReassignment r : moves) {
                rows.add(new String[] {r.getTopic(), Integer.toString(r.getPartition()),
                        TextTable.ids(r.getReplicasList()), TextTable.ids(r.getAddingReplicasList()),
                        TextTable.ids(r.getRemovingReplicasList()), TextTable.ids(r.getIsrList()),
                        r.getLeader() < 0 ? "none" : Integer.toString(r.getLeader())});
            }
            out().print(TextTable.render(rows));
        }
        out().flush();
    }
}
