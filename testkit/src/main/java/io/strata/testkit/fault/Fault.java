package io.strata.testkit.fault;

/**
 * The faults the {@link Nemesis} injects, each undone by its recovery. "Longer than the lease"
 * means longer than the default node lease of 2.5 s, so the controller fences the node.
 */
public enum Fault {
    /** SIGKILL of the storage node leading a random partition; recovery restarts it on its data. */
    KILL_STORAGE,
    /** SIGKILL of the metadata Raft leader; recovery restarts it. */
    KILL_METADATA_LEADER,
    /** SIGKILL of a metadata peer that does not lead; recovery restarts it. */
    KILL_METADATA_FOLLOWER,
    /** SIGKILL of one of the gateways (clients fail over to another); recovery restarts it. */
    KILL_GATEWAY,
    /** SIGSTOP of the storage node leading a random partition, for longer than the lease; recovery is SIGCONT. */
    PAUSE_STORAGE,
    /** The storage node leading a random partition cut off the network; recovery heals the partition. */
    PARTITION_STORAGE,
    /** SIGTERM and restart of every storage node in turn, each rejoining every ISR before the next goes. */
    ROLLING_RESTART;

    /** The name in the history and fault log, e.g. {@code kill-storage}. */
    public String id() {
        return name().toLowerCase().replace('_', '-');
    }
}
