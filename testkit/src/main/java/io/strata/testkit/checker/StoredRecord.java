package io.strata.testkit.checker;

/** A record as read back from a partition after a run: where it is, its key and its value. */
public record StoredRecord(int partition, long offset, String key, String value) {
}
