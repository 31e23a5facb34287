package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.proto.internal.ReadRequest;
import io.strata.proto.internal.ReadResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import java.io.ByteArrayInputStream;
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
    void aMalformedMessageIsAnInternalErrorNamingTheCause() {
        byte[] broken = ReadResponse.newBuilder().setBatches(ByteString.copyFromUtf8("abc")).build().toByteArray();
        broken[1] = 100; // the bytes field claims far more than follows
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> method.parseResponse(new ByteArrayInputStream(broken)));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertNotEquals(null, e.getStatus().getDescription());
    }
}
