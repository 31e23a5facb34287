package io.strata.common.net;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.WriteBufferWaterMark;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.net.SocketAddress;

/**
 * Plaintext gRPC connections whose two ends accept HTTP/2 DATA frames of up to
 * {@link #MAX_FRAME_BYTES} instead of HTTP/2's default 16 KiB.
 *
 * <p>A fetch answer or a produce batch of a megabyte otherwise travels as 64 frames, and Netty's
 * work per frame (buffers, flow control, reference counts) was about a tenth of the servers' CPU
 * during a consume. gRPC-Java has no setting for the frame size (grpc/grpc-java#7029), so each end
 * sends one more SETTINGS frame right after gRPC's own, through gRPC's HTTP/2 handler: the handler
 * applies the larger limit to its own frame reader when the peer acknowledges it, which is before
 * the peer can send a larger frame. Clients of other languages still receive 16 KiB frames unless
 * they announce more themselves; what they send us may now travel in larger frames.
 *
 * <p>gRPC's handler also gathers the socket reads of a frame as a composite buffer instead of
 * merging them into one growing buffer.
 */
public final class LargeFrames {
    /** The largest DATA frame each end accepts: gRPC-Java's own largest send buffer. */
    public static final int MAX_FRAME_BYTES = 1 << 20;

    /**
     * Netty writes a frame only as large as its outbound buffer takes before the channel turns
     * unwritable (64 KiB by default), so the buffer must hold a whole frame.
     */
    private static final WriteBufferWaterMark WHOLE_FRAMES = new WriteBufferWaterMark(MAX_FRAME_BYTES / 2, MAX_FRAME_BYTES);

    private LargeFrames() {
    }

    /** A channel builder to {@code host:port} whose connections use large frames. */
    public static NettyChannelBuilder channelTo(String host, int port) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port)
                .withOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WHOLE_FRAMES);
        InternalNettyChannelBuilder.setProtocolNegotiatorFactory(builder,
                (InternalNettyChannelBuilder.ProtocolNegotiatorFactory) () -> new Negotiator(InternalProtocolNegotiators.plaintext()));
        return builder;
    }

    /** A server builder on {@code address} whose connections use large frames. */
    public static NettyServerBuilder serverOn(SocketAddress address) {
        return NettyServerBuilder.forAddress(address, InternalNettyServerCredentials.create(
                        (InternalProtocolNegotiator.ServerFactory) executors -> new Negotiator(InternalProtocolNegotiators.serverPlaintext())))
                .withChildOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WHOLE_FRAMES);
    }

    /** gRPC's plaintext negotiation, followed by the announcement of the larger frame size. */
    private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
        private final InternalProtocolNegotiator.ProtocolNegotiator plaintext;

        Negotiator(InternalProtocolNegotiator.ProtocolNegotiator plaintext) {
            this.plaintext = plaintext;
        }

        @Override
        public AsciiString scheme() {
            return plaintext.scheme();
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
            return new AnnounceFrameSize(grpcHandler, plaintext.newHandler(grpcHandler));
        }

        @Override
        public void close() {
            plaintext.close();
        }
    }

    /** Puts gRPC's own negotiation behind itself; once that has installed gRPC's handler, announces the size. */
    private static final class AnnounceFrameSize extends ChannelInboundHandlerAdapter {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        private final ChannelHandler negotiation;

        AnnounceFrameSize(GrpcHttp2ConnectionHandler grpcHandler, ChannelHandler negotiation) {
            this.grpcHandler = grpcHandler;
            this.negotiation = negotiation;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // A frame of a MiB arrives in many socket reads; merging them copies the frame about
            // twice as the buffer grows, while a composite of the reads copies nothing.
            grpcHandler.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
            ctx.pipeline().addAfter(ctx.name(), null, negotiation);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            ctx.fireChannelActive(); // gRPC's negotiation installs its handler, which sends its preface
            ChannelHandlerContext grpc = ctx.pipeline().context(grpcHandler);
            if (grpc != null) {
                Http2Settings larger = new Http2Settings().maxFrameSize(MAX_FRAME_BYTES);
                grpcHandler.encoder().writeSettings(grpc, larger, grpc.newPromise());
                grpc.flush();
            }
            ctx.pipeline().remove(this);
        }
    }
}
