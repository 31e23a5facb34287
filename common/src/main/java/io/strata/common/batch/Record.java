package io.strata.common.batch;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One decoded record: absolute offset, absolute timestamp (ms), nullable key, nullable value and
 * headers, as yielded by {@link RecordBatch#records()}.
 *
 * <p>Immutable and thread-safe: byte arrays are copied in ({@link #of}) and out ({@link #key()},
 * {@link #value()}); {@link #keyBuffer()} and {@link #valueBuffer()} give read-only views without
 * a copy. Equality is by content of every field.
 */
public final class Record {
    private final long offset;
    private final long timestamp;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;

    private Record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.headers = headers;
    }

    /** A record holding copies of {@code key} and {@code value} (each may be null). */
    public static Record of(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return new Record(offset, timestamp,
                key == null ? null : key.clone(),
                value == null ? null : value.clone(),
                List.copyOf(Objects.requireNonNull(headers, "headers")));
    }

    /** Decoder path: takes ownership of freshly decoded arrays and an unmodifiable list. */
    static Record owning(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return new Record(offset, timestamp, key, value, headers);
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    /** A copy of the key, or null. */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** A copy of the value, or null. */
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    /** A read-only view of the key, or null. */
    public ByteBuffer keyBuffer() {
        return key == null ? null : ByteBuffer.wrap(key).asReadOnlyBuffer();
    }

    /** A read-only view of the value, or null. */
    public ByteBuffer valueBuffer() {
        return value == null ? null : ByteBuffer.wrap(value).asReadOnlyBuffer();
    }

    /** Unmodifiable; empty when the record has no headers. */
    public List<Header> headers() {
        return headers;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Record)) {
            return false;
        }
        Record other = (Record) o;
        return offset == other.offset && timestamp == other.timestamp
                && Arrays.equals(key, other.key) && Arrays.equals(value, other.value)
                && headers.equals(other.headers);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(offset);
        h = 31 * h + Long.hashCode(timestamp);
        h = 31 * h + Arrays.hashCode(key);
        h = 31 * h + Arrays.hashCode(value);
        return 31 * h + headers.hashCode();
    }

    @Override
    public String toString() {
        return "Record(offset=" + offset + ", timestamp=" + timestamp
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", value=" + (value == null ? "null" : value.length + " bytes")
                + ", headers=" + headers + ")";
    }
}
