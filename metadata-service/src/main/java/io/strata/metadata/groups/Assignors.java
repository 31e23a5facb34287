package io.strata.metadata.groups;

import io.strata.common.error.Errors;
import java.util.Map;
import java.util.Set;

/**
 * The server-side assignors a group can use, by the name members give at join. Each computes a
 * target assignment from subscriptions, partition counts and the previous target; all are pure
 * and deterministic, so every metadata peer computes the same target when applying a command.
 */
public enum Assignors {
    /** Balanced and sticky ({@link UniformAssignor}); the default. */
    UNIFORM("uniform") {
        @Override
        public Map<String, Set<GroupPartition>> assign(Map<String, Set<String>> subscriptions,
                                                       Map<String, Integer> partitions,
                                                       Map<String, Set<GroupPartition>> previous) {
            return UniformAssignor.assign(subscriptions, partitions, previous);
        }
    },
    /** Contiguous ranges per topic, co-partitioning equally partitioned topics ({@link RangeAssignor}). */
    RANGE("range") {
        @Override
        public Map<String, Set<GroupPartition>> assign(Map<String, Set<String>> subscriptions,
                                                       Map<String, Integer> partitions,
                                                       Map<String, Set<GroupPartition>> previous) {
            return RangeAssignor.assign(subscriptions, partitions);
        }
    };

    private final String id;

    Assignors(String id) {
        this.id = id;
    }

    /** The name members use in {@code Join.assignor}. */
    public String id() {
        return id;
    }

    /** Member id → target partitions for every subscribed member; {@code previous} is the last target. */
    public abstract Map<String, Set<GroupPartition>> assign(Map<String, Set<String>> subscriptions,
                                                            Map<String, Integer> partitions,
                                                            Map<String, Set<GroupPartition>> previous);

    /** The assignor called {@code name} ("" means uniform); INVALID_ARGUMENT naming the choices otherwise. */
    public static Assignors of(String name) {
        if (name == null || name.isEmpty()) {
            return UNIFORM;
        }
        for (Assignors a : values()) {
            if (a.id.equals(name)) {
                return a;
            }
        }
        throw Errors.invalid("unknown assignor '" + name + "'; use \"uniform\" or \"range\"");
    }
}
