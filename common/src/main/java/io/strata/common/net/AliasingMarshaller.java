package io.strata.common.net;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

/**
 * A protobuf marshaller whose parsed {@code bytes} fields share the message's own buffer instead
 * of each being copied out of it (gRPC's default copies every byte twice: off the wire into one
 * array, then each field into its own). For messages that carry record batches by the megabyte:
 * storage reads at the gateway and poll answers at the Java client.
 *
 * <p>Parsed messages hold the whole received message in memory as long as any of their byte
 * fields is referenced. Thread-safe.
 */
public final class AliasingMarshaller<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
    private final MethodDescriptor.Marshaller<T> defaults;
    private final Parser<T> parser;

    private AliasingMarshaller(MethodDescriptor.Marshaller<T> defaults, Parser<T> parser) {
        this.defaults = defaults;
        this.parser = parser;
    }

    /** {@code method} with its responses parsed by an aliasing marshaller. */
    @SuppressWarnings("unchecked")
    public static <Q, R extends MessageLite> MethodDescriptor<Q, R> forResponses(MethodDescriptor<Q, R> method,
                                                                                   R defaultInstance) {
        Parser<R> parser = (Parser<R>) defaultInstance.getParserForType();
        return method.toBuilder()
                .setResponseMarshaller(new AliasingMarshaller<>(method.getResponseMarshaller(), parser))
                .build();
    }

    @Override
    public InputStream stream(T value) {
        return defaults.stream(value);
    }

    /** Reads {@code length} bytes into one array (InputStream.readNBytes would gather chunks and copy them again). */
    private static byte[] readExactly(InputStream stream, int length) throws IOException {
        byte[] bytes = new byte[length];
        int read = 0;
        while (read < length) {
            int n = stream.read(bytes, read, length - read);
            if (n < 0) {
                throw new IOException("message ended after " + read + " of " + length + " bytes");
            }
            read += n;
        }
        return bytes;
    }

    @Override
    public T parse(InputStream stream) {
        try {
            byte[] bytes = stream instanceof KnownLength ? readExactly(stream, stream.available()) : stream.readAllBytes();
            // A ByteString's input counts as immutable, which protobuf requires before it aliases.
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            T message = parser.parseFrom(in);
            in.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("invalid protobuf message: " + e.getMessage()).withCause(e)
                    .asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("reading a message failed: " + e.getMessage()).withCause(e)
                    .asRuntimeException();
        }
    }
}
