package io.strata.common.batch;

/**
 * Meaning of record timestamps in a batch (attributes bit 3): set by the producer
 * ({@link #CREATE_TIME}) or by the leader at append ({@link #LOG_APPEND_TIME}; then every record's
 * timestamp is the batch's maxTimestamp).
 */
public enum TimestampType {
    CREATE_TIME,
    LOG_APPEND_TIME
}
