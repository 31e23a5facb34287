package io.strata.common.batch;

import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integers as in protobuf {@code sint32}/{@code sint64} (and Kafka's
 * ByteUtils): the zig-zag value is written 7 bits at a time, least significant group first, with
 * the high bit of each byte set when more bytes follow. A varint takes 1-5 bytes, a varlong 1-10.
 *
 * <p>Stateless, thread-safe.
 */
final class Varint {
    private Varint() {
    }

    static int sizeOfVarint(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    /**
     * Reads a varint at the buffer's position and advances it.
     *
     * @throws IllegalArgumentException if more than 5 bytes carry the continuation bit
     * @throws java.nio.BufferUnderflowException if the buffer ends inside the varint
     */
    static int readVarint(ByteBuffer buf) {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = buf.get();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("varint longer than 5 bytes");
    }

    /**
     * Reads a varlong at the buffer's position and advances it.
     *
     * @throws IllegalArgumentException if more than 10 bytes carry the continuation bit
     * @throws java.nio.BufferUnderflowException if the buffer ends inside the varlong
     */
    static long readVarlong(ByteBuffer buf) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = buf.get();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("varlong longer than 10 bytes");
    }
}
