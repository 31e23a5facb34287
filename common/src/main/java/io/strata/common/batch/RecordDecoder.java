package io.strata.common.batch;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Decodes the (uncompressed) records section of one batch, record by record:
 *
 * <pre>
 * length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 * | keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
 * | headerCount varint | headers: keyLength varint, key UTF-8, valueLength varint (-1 = null), value
 * </pre>
 *
 * Every length is checked against the bytes left before anything is allocated. Exactly
 * recordCount records must fill the section exactly. Each record's fields go to a
 * {@link RecordBatch.RecordReceiver}, which owns the freshly decoded arrays. Not thread-safe (an
 * iterator).
 */
final class RecordDecoder<T> implements Iterator<T> {
    private final RecordBatch batch;
    private final RecordBatch.RecordReceiver<T> receiver;
    private final ByteBuffer in;
    private final int count;
    private final long baseOffset;
    private final long baseTimestamp;
    private final boolean logAppendTime;
    private final long maxTimestamp;
    private int decoded;

    RecordDecoder(RecordBatch batch, ByteBuffer section, RecordBatch.RecordReceiver<T> receiver) {
        this.batch = batch;
        this.receiver = receiver;
        this.in = section;
        this.count = batch.recordCount();
        this.baseOffset = batch.baseOffset();
        this.baseTimestamp = batch.baseTimestamp();
        this.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        this.maxTimestamp = batch.maxTimestamp();
        if (count < 0) {
            throw batch.corrupt("negative recordCount " + count);
        }
    }

    @Override
    public boolean hasNext() {
        if (decoded < count) {
            return true;
        }
        if (in.hasRemaining()) {
            throw batch.corrupt(in.remaining() + " bytes left after the " + count + " records of recordCount");
        }
        return false;
    }

    @Override
    public T next() {
        if (decoded >= count) {
            throw new NoSuchElementException("all " + count + " records decoded");
        }
        int index = decoded;
        try {
            T record = decode();
            decoded++;
            return record;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw batch.corrupt("record " + index + " of " + count + " is malformed: "
                    + (e.getMessage() == null ? "data ends inside the record" : e.getMessage()), e);
        }
    }

    private T decode() {
        if (!in.hasRemaining()) {
            throw new IllegalArgumentException("the records section ends after " + decoded + " records");
        }
        int length = Varint.readVarint(in);
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("record length " + length + " exceeds the " + in.remaining() + " bytes left");
        }
        int end = in.position() + length;
        ByteBuffer rec = in.slice();
        rec.limit(length);
        in.position(end);

        rec.get(); // record attributes: unused
        long timestampDelta = Varint.readVarlong(rec);
        int offsetDelta = Varint.readVarint(rec);
        byte[] key = readBytes(rec, "key");
        byte[] value = readBytes(rec, "value");
        int headerCount = Varint.readVarint(rec);
        if (headerCount < 0 || headerCount > rec.remaining() / 2) {
            throw new IllegalArgumentException("invalid header count " + headerCount + " for " + rec.remaining() + " bytes left");
        }
        List<Header> headers;
        if (headerCount == 0) {
            headers = List.of();
        } else {
            List<Header> list = new ArrayList<>(headerCount);
            for (int i = 0; i < headerCount; i++) {
                byte[] headerKey = readBytes(rec, "header key");
                if (headerKey == null) {
                    throw new IllegalArgumentException("header " + i + " has a null key");
                }
                list.add(Header.owning(headerKey, readBytes(rec, "header value")));
            }
            headers = Collections.unmodifiableList(list);
        }
        if (rec.hasRemaining()) {
            throw new IllegalArgumentException("record length " + length + " leaves " + rec.remaining() + " bytes undecoded");
        }
        long timestamp = logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
        return receiver.record(baseOffset + offsetDelta, timestamp, key, value, headers);
    }

    private static byte[] readBytes(ByteBuffer rec, String what) {
        int len = Varint.readVarint(rec);
        if (len == -1) {
            return null;
        }
        if (len < -1 || len > rec.remaining()) {
            throw new IllegalArgumentException("invalid " + what + " length " + len + " for " + rec.remaining() + " bytes left");
        }
        byte[] bytes = new byte[len];
        rec.get(bytes);
        return bytes;
    }
}
