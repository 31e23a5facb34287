package io.strata.client;

import com.google.protobuf.ByteString;
import io.strata.proto.Header;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One record header: a UTF-8 name and a nullable value. Keys need not be unique.
 *
 * <p>Immutable and thread-safe as long as the caller does not modify {@code value} after
 * handing it over (it is not copied, to avoid a copy per record).
 */
public record RecordHeader(String key, byte[] value) {

    public RecordHeader {
        Objects.requireNonNull(key, "header key");
    }

    /** The protobuf form sent to the gateway. */
    public Header toProto() {
        Header.Builder b = Header.newBuilder().setKey(key);
        if (value != null) {
            b.setValue(ByteString.copyFrom(value));
        }
        return b.build();
    }

    /** From the protobuf form received from the gateway. */
    public static RecordHeader fromProto(Header header) {
        return new RecordHeader(header.getKey(), header.hasValue() ? header.getValue().toByteArray() : null);
    }

    /** From a list of protobuf headers, in order. */
    public static List<RecordHeader> fromProto(List<Header> headers) {
        return headers.stream().map(RecordHeader::fromProto).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordHeader h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "RecordHeader[" + key + "=" + (value == null ? "null" : value.length + " bytes") + "]";
    }
}
