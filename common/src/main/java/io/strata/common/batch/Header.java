package io.strata.common.batch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record header: a non-null string key (UTF-8 on the wire) and a nullable byte value.
 *
 * <p>Immutable and thread-safe: the value is copied in and copied out ({@link #value()}); use
 * {@link #valueBuffer()} for a read-only view without a copy. Equality is by content.
 */
public final class Header {
    private final String key;
    private final byte[] keyUtf8;
    private final byte[] value;

    private Header(String key, byte[] keyUtf8, byte[] value) {
        this.key = key;
        this.keyUtf8 = keyUtf8;
        this.value = value;
    }

    /** A header with the given key and a copy of {@code value} (which may be null). */
    public static Header of(String key, byte[] value) {
        Objects.requireNonNull(key, "header key");
        return new Header(key, key.getBytes(StandardCharsets.UTF_8), value == null ? null : value.clone());
    }

    /** Decoder path: takes ownership of freshly decoded arrays, no copies. */
    static Header owning(byte[] keyUtf8, byte[] value) {
        return new Header(new String(keyUtf8, StandardCharsets.UTF_8), keyUtf8, value);
    }

    public String key() {
        return key;
    }

    /** A copy of the value, or null. */
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    /** A read-only view of the value, or null. */
    public ByteBuffer valueBuffer() {
        return value == null ? null : ByteBuffer.wrap(value).asReadOnlyBuffer();
    }

    byte[] keyUtf8() {
        return keyUtf8;
    }

    byte[] valueArray() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Header)) {
            return false;
        }
        Header other = (Header) o;
        return key.equals(other.key) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header(" + key + ", " + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
