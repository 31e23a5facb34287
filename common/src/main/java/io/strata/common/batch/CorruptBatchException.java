package io.strata.common.batch;

/**
 * A record batch failed validation: bad magic, inconsistent length, CRC mismatch, undecodable
 * records. The message names the batch (its base offset, where known) and what was expected
 * versus found. Thrown for untrusted input; callers reading a log truncate or reject, callers
 * serving a request answer with an error.
 */
public class CorruptBatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptBatchException(String message) {
        super(message);
    }

    public CorruptBatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
