package io.strata.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who owned which partition when, as the owners themselves record it, and the checks made on
 * that history. An owner records {@link #acquired} once it has been told a partition is its own
 * and before it uses it, and {@link #released} once it has stopped using one and before it tells
 * anybody so. Every event gets the next number of one global sequence under one lock, so when one
 * owner's release causes another's acquisition (through the group coordinator), the release has
 * the smaller number: an overlap in the sequence is an overlap in real time.
 *
 * <p>Partitions are plain names ({@code orders-3}). Thread-safe.
 */
public final class OwnershipHistory {
    /** One change of ownership: {@code owner} started ({@code acquired}) or stopped using {@code partition}. */
    public record Event(long seq, String owner, String partition, boolean acquired) {
        @Override
        public String toString() {
            return "#" + seq + " " + owner + (acquired ? " acquired " : " released ") + partition;
        }
    }

    private final List<Event> events = new ArrayList<>();

    /** Records that {@code owner} starts using {@code partitions}. */
    public synchronized void acquired(String owner, Collection<String> partitions) {
        new TreeSet<>(partitions).forEach(p -> events.add(new Event(events.size() + 1, owner, p, true)));
    }

    /** Records that {@code owner} stopped using {@code partitions}. */
    public synchronized void released(String owner, Collection<String> partitions) {
        new TreeSet<>(partitions).forEach(p -> events.add(new Event(events.size() + 1, owner, p, false)));
    }

    /** Whether {@code owner} holds {@code partition} now (acquired and not released since). */
    public synchronized boolean holds(String owner, String partition) {
        boolean held = false;
        for (Event e : events) {
            if (e.owner().equals(owner) && e.partition().equals(partition)) {
                held = e.acquired();
            }
        }
        return held;
    }

    /** The sequence number of the last event (0 for none): marks the start of a phase. */
    public synchronized long mark() {
        return events.size();
    }

    /** Events after {@code mark}, in order. */
    public synchronized List<Event> since(long mark) {
        return List.copyOf(events.subList((int) mark, events.size()));
    }

    /** Owner → partitions it holds now (owners holding nothing are left out). */
    public synchronized Map<String, Set<String>> holders() {
        Map<String, Set<String>> out = new TreeMap<>();
        for (Event e : events) {
            if (e.acquired()) {
                out.computeIfAbsent(e.owner(), k -> new TreeSet<>()).add(e.partition());
            } else if (out.containsKey(e.owner())) {
                out.get(e.owner()).remove(e.partition());
            }
        }
        out.values().removeIf(Set::isEmpty);
        return out;
    }

    /**
     * Checks the whole history: no partition is acquired while another owner holds it, and only its
     * holder releases it. Throws an AssertionError naming the first violation and the events of that
     * partition.
     */
    public synchronized void checkOneOwnerAtATime() {
        Map<String, String> holder = new TreeMap<>();
        for (Event e : events) {
            String current = holder.get(e.partition());
            if (e.acquired() && current != null) {
                throw violation(e, e.owner() + " acquired " + e.partition() + " while " + current + " held it");
            }
            if (!e.acquired() && !e.owner().equals(current)) {
                throw violation(e, e.owner() + " released " + e.partition() + " held by " + current);
            }
            if (e.acquired()) {
                holder.put(e.partition(), e.owner());
            } else {
                holder.remove(e.partition());
            }
        }
    }

    private AssertionError violation(Event at, String what) {
        StringBuilder sb = new StringBuilder(what).append(" (event #").append(at.seq()).append("); its history:");
        events.stream().filter(e -> e.partition().equals(at.partition())).forEach(e -> sb.append("\n  ").append(e));
        return new AssertionError(sb.toString());
    }

    @Override
    public synchronized String toString() {
        StringBuilder sb = new StringBuilder();
        events.forEach(e -> sb.append(e).append('\n'));
        return sb.toString();
    }
}
