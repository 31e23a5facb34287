package io.strata.common.net;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A protobuf marshaller whose parsed {@code bytes} fields share the message's own buffer instead
 * of each being copied out of it (gRPC's default copies every byte twice: off the wire into one
 * array, then each field into its own). For messages that carry record batches by the megabyte:
 * storage reads at the gateway, poll answers at the Java client, replica fetches at followers,
 * produce requests at the gateway and appends at the leader.
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

    /**
     * {@code service} with the requests of {@code methods} parsed by an aliasing marshaller (for
     * requests that carry record batches: produce at the gateway, append at the leader). The
     * service descriptor is rebuilt around the new methods, keeping its schema for reflection.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <Q extends MessageLite> ServerServiceDefinition forRequests(
            ServerServiceDefinition service, Q defaultInstance, List<? extends MethodDescriptor<Q, ?>> methods) {
        Parser<Q> parser = (Parser<Q>) defaultInstance.getParserForType();
        ServiceDescriptor old = service.getServiceDescriptor();
        Map<String, MethodDescriptor<?, ?>> byName = new LinkedHashMap<>();
        old.getMethods().forEach(m -> byName.put(m.getFullMethodName(), m));
        for (MethodDescriptor<Q, ?> method : methods) {
            if (byName.replace(method.getFullMethodName(), method.toBuilder()
                    .setRequestMarshaller(new AliasingMarshaller<>(method.getRequestMarshaller(), parser))
                    .build()) == null) {
                throw new IllegalArgumentException(method.getFullMethodName() + " is not a method of " + old.getName());
            }
        }
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName())
                .setSchemaDescriptor(old.getSchemaDescriptor());
        byName.values().forEach(descriptor::addMethod);
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            MethodDescriptor now = byName.get(m.getMethodDescriptor().getFullMethodName());
            out.addMethod(ServerMethodDefinition.create(now, (ServerCallHandler) m.getServerCallHandler()));
        }
        return out.build();
    }

    /**
     * A writable view of {@code bytes} without copying when it is a view of one array (as the
     * fields this marshaller parses are); a writable copy otherwise. Writing through the view
     * changes {@code bytes}: only for fields of a message received off the wire, whose buffer
     * belongs to that call alone.
     */
    public static ByteBuffer writableView(ByteString bytes) {
        ByteBuffer[] view = new ByteBuffer[1];
        try {
            UnsafeByteOperations.unsafeWriteTo(bytes, new ByteOutput() {
                @Override
                public void writeLazy(byte[] value, int offset, int length) {
                    view[0] = view[0] == null && length == bytes.size() ? ByteBuffer.wrap(value, offset, length).slice() : null;
                }

                @Override
                public void write(byte[] value, int offset, int length) {
                    view[0] = null;
                }

                @Override
                public void write(byte value) {
                    view[0] = null;
                }

                @Override
                public void write(ByteBuffer value) {
                    view[0] = null;
                }

                @Override
                public void writeLazy(ByteBuffer value) {
                    view[0] = null;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the output above never throws
        }
        return view[0] != null ? view[0] : ByteBuffer.wrap(bytes.toByteArray());
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
