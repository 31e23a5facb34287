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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A protobuf marshaller whose parsed {@code bytes} fields share the message's own buffer instead
 * of each being copied out of it (gRPC's default copies every byte twice: off the wire into one
 * array, then each field into its own). For messages that carry record batches by the megabyte:
 * storage reads at the gateway, replica fetches at followers, produce requests at the gateway,
 * appends at the leader, and poll answers at the Java client (decoded in place, see
 * {@link #decodingInPlace}).
 *
 * <p>Parsed messages hold the whole received message in memory as long as any of their byte
 * fields is referenced. Thread-safe.
 */
public final class AliasingMarshaller<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
    /** Largest array a {@link #decodingInPlace} marshaller keeps for the next message (a poll answer is at most 16 MiB and a batch). */
    static final int MAX_SPARE_BYTES = 32 * 1024 * 1024;
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

    /** A received message: the first {@code length} bytes of {@code bytes}. */
    private record Received(byte[] bytes, int length) {
    }

    /**
     * Reads the whole message into {@code reuse} when it is large enough, else into a new array of
     * its size (InputStream.readNBytes would gather chunks and copy them again).
     */
    private static Received read(InputStream stream, byte[] reuse) throws IOException {
        if (!(stream instanceof KnownLength)) {
            byte[] all = stream.readAllBytes();
            return new Received(all, all.length);
        }
        int length = stream.available();
        byte[] bytes = reuse != null && reuse.length >= length ? reuse : new byte[length];
        int read = 0;
        while (read < length) {
            int n = stream.read(bytes, read, length - read);
            if (n < 0) {
                throw new IOException("message ended after " + read + " of " + length + " bytes");
            }
            read += n;
        }
        return new Received(bytes, length);
    }

    /** Parses {@code message}; its byte fields are views of the received array. */
    private static <M> M parseAliased(Parser<M> parser, Received message) throws IOException {
        // A ByteString's input counts as immutable, which protobuf requires before it aliases.
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(message.bytes(), 0, message.length()).newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        M parsed = parser.parseFrom(in);
        in.checkLastTagWas(0);
        return parsed;
    }

    @Override
    public T parse(InputStream stream) {
        try {
            return parseAliased(parser, read(stream, null));
        } catch (IOException e) {
            throw parseFailure(e);
        }
    }

    private static RuntimeException parseFailure(IOException e) {
        String what = e instanceof InvalidProtocolBufferException ? "invalid protobuf message: "
                : "reading a message failed: ";
        return Status.INTERNAL.withDescription(what + e.getMessage()).withCause(e).asRuntimeException();
    }

    /**
     * A marshaller for answers decoded as they are parsed: each message is read into one reused
     * array, parsed with its byte fields aliasing that array, and handed to {@code decode}, whose
     * result must keep none of those fields (the next message overwrites the array). It saves
     * allocating and zeroing an array per message: a third of the time to receive a 2 MB poll
     * answer at the Java client ({@code PollAnswerDecodeBenchmark}). Only for parsing.
     */
    public static <M extends MessageLite, R> MethodDescriptor.Marshaller<R> decodingInPlace(
            M defaultInstance, Function<M, R> decode) {
        @SuppressWarnings("unchecked")
        Parser<M> parser = (Parser<M>) defaultInstance.getParserForType();
        AtomicReference<byte[]> spare = new AtomicReference<>();
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(R value) {
                throw new UnsupportedOperationException("a decoding marshaller only parses");
            }

            @Override
            public R parse(InputStream stream) {
                byte[] buffer = spare.getAndSet(null); // null while another thread parses: it gets its own
                try {
                    Received message = read(stream, buffer);
                    buffer = message.bytes();
                    return decode.apply(parseAliased(parser, message));
                } catch (IOException e) {
                    throw parseFailure(e);
                } finally {
                    if (buffer != null && buffer.length <= MAX_SPARE_BYTES) {
                        spare.set(buffer);
                    }
                }
            }
        };
    }
}
