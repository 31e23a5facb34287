package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.proto.internal.AppendRequest;
import io.strata.proto.internal.ReadRequest;
import io.strata.proto.internal.ReadResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {
    private final MethodDescriptor<ReadRequest, ReadResponse> method =
            AliasingMarshaller.forResponses(StorageNodeGrpc.getReadMethod(), ReadResponse.getDefaultInstance());

    @Test
    void parsesWhatTheDefaultMarshallerWritesAndSharesTheBuffer() {
        byte[] batches = new byte[300_000];
        new Random(7).nextBytes(batches);
        ReadResponse sent = ReadResponse.newBuilder().setBatches(ByteString.copyFrom(batches)).setHighWatermark(42)
                .setLogStartOffset(3).build();

        ReadResponse received = method.parseResponse(method.streamResponse(sent));

        assertEquals(sent, received);
        // A copy would be a fresh array of its own; a view into the message's buffer is a bounded slice of it.
        assertEquals("BoundedByteString", received.getBatches().getClass().getSimpleName());
        assertEquals(method.getRequestMarshaller(), StorageNodeGrpc.getReadMethod().getRequestMarshaller());
    }

    @Test
    void aMessageEndingBeforeItsAnnouncedLengthIsAnInternalError() {
        ReadResponse sent = ReadResponse.newBuilder().setBatches(ByteString.copyFrom(new byte[100_000])).build();
        byte[] whole = sent.toByteArray();
        InputStream truncated = new KnownLengthStream(Arrays.copyOf(whole, whole.length - 10), whole.length);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> method.parseResponse(truncated));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("ended after"), e.getStatus().getDescription());
    }

    /** A stream that announces {@code announced} bytes (as gRPC's do) but may hold fewer. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        private final int announced;

        KnownLengthStream(byte[] bytes, int announced) {
            super(bytes);
            this.announced = announced;
        }

        @Override
        public synchronized int available() {
            return announced - pos;
        }
    }

    @Test
    void decodingInPlaceReusesOneBufferAndWhatTheDecoderCopiedOutSurvivesTheNextMessage() {
        ByteString[] seen = new ByteString[2]; // what a decoder breaking the contract would keep
        MethodDescriptor.Marshaller<byte[]> decoding = AliasingMarshaller.decodingInPlace(
                ReadResponse.getDefaultInstance(), r -> {
                    seen[0] = seen[1];
                    seen[1] = r.getBatches();
                    return r.getBatches().toByteArray();
                });
        byte[] first = new byte[200_000];
        byte[] second = new byte[150_000];
        new Random(1).nextBytes(first);
        new Random(2).nextBytes(second);

        byte[] a = decoding.parse(stream(ReadResponse.newBuilder().setBatches(ByteString.copyFrom(first)).build()));
        byte[] b = decoding.parse(stream(ReadResponse.newBuilder().setBatches(ByteString.copyFrom(second)).build()));

        assertArrayEquals(first, a);
        assertArrayEquals(second, b);
        // The second message was read into the first one's buffer: a view kept from the first now shows the second.
        assertArrayEquals(Arrays.copyOf(second, 1000), seen[0].substring(0, 1000).toByteArray());
    }

    @Test
    void decodingInPlaceTurnsAMessageEndingEarlyIntoAnInternalError() {
        MethodDescriptor.Marshaller<ReadResponse> decoding =
                AliasingMarshaller.decodingInPlace(ReadResponse.getDefaultInstance(), r -> r);
        byte[] whole = ReadResponse.newBuilder().setBatches(ByteString.copyFrom(new byte[1000])).build().toByteArray();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> decoding.parse(new KnownLengthStream(Arrays.copyOf(whole, 500), whole.length)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    }

    private static InputStream stream(ReadResponse message) {
        byte[] bytes = message.toByteArray();
        return new KnownLengthStream(bytes, bytes.length);
    }

    @Test
    void aMalformedMessageIsAnInternalErrorNamingTheCause() {
        byte[] broken = ReadResponse.newBuilder().setBatches(ByteString.copyFromUtf8("abc")).build().toByteArray();
        broken[1] = 100; // the bytes field claims far more than follows
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> method.parseResponse(new ByteArrayInputStream(broken)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertNotEquals(null, e.getStatus().getDescription());
    }

    @Test
    void forRequestsSwapsOnlyTheNamedMethodsMarshallerAndKeepsTheSchema() {
        ServerServiceDefinition service = new StorageNodeGrpc.StorageNodeImplBase() {
        }.bindService();
        ServerServiceDefinition aliased = AliasingMarshaller.forRequests(service, AppendRequest.getDefaultInstance(),
                List.of(StorageNodeGrpc.getAppendStreamMethod()));

        MethodDescriptor<?, ?> append = aliased.getMethod(StorageNodeGrpc.getAppendStreamMethod().getFullMethodName())
                .getMethodDescriptor();
        assertTrue(append.getRequestMarshaller() instanceof AliasingMarshaller);
        assertEquals(StorageNodeGrpc.getReadMethod(),
                aliased.getMethod(StorageNodeGrpc.getReadMethod().getFullMethodName()).getMethodDescriptor());
        assertEquals(service.getServiceDescriptor().getSchemaDescriptor(),
                aliased.getServiceDescriptor().getSchemaDescriptor());
        assertEquals(service.getMethods().size(), aliased.getMethods().size());
        assertThrows(IllegalArgumentException.class, () -> AliasingMarshaller.forRequests(service,
                ReadRequest.getDefaultInstance(), List.of(ProducerlessRead.METHOD)));
    }

    /** A method of no StorageNode service. */
    private static final class ProducerlessRead {
        static final MethodDescriptor<ReadRequest, ReadResponse> METHOD = StorageNodeGrpc.getReadMethod().toBuilder()
                .setFullMethodName("strata.Elsewhere/Read").build();
    }

    @Test
    void writableViewOfAParsedFieldWritesThroughAndOfAnyOtherByteStringIsACopy() {
        ReadResponse sent = ReadResponse.newBuilder().setBatches(ByteString.copyFromUtf8("abcdef")).build();
        ReadResponse received = method.parseResponse(method.streamResponse(sent));

        ByteBuffer view = AliasingMarshaller.writableView(received.getBatches());
        assertEquals(6, view.remaining());
        view.put(0, (byte) 'X');
        assertEquals("Xbcdef", received.getBatches().toStringUtf8());

        // large enough that concat makes a rope of two arrays instead of copying them into one
        ByteString rope = ByteString.copyFromUtf8("a".repeat(500)).concat(ByteString.copyFromUtf8("b".repeat(500)));
        ByteBuffer copy = AliasingMarshaller.writableView(rope);
        copy.put(0, (byte) 'X');
        assertEquals('a', rope.byteAt(0));
        assertEquals('X', copy.get(0));
        assertEquals(1000, copy.remaining());
    }
}
