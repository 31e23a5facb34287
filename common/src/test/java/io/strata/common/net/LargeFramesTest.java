package io.strata.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.strata.common.server.GrpcServer;
import io.strata.proto.ProduceRequest;
import io.strata.proto.ProduceResponse;
import io.strata.proto.ProducerGrpc;
import io.strata.proto.internal.ReadRequest;
import io.strata.proto.internal.ReadResponse;
import io.strata.proto.internal.StorageNodeGrpc;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which HTTP/2 DATA frames cross a real connection between a Strata server and a Strata channel:
 * a TCP relay between the two reads every frame header going either way.
 */
class LargeFramesTest {
    private static final int HTTP2_DEFAULT_MAX_FRAME = 16_384;
    private static final int PAYLOAD = 4 << 20;

    private GrpcServer server;
    private FrameRelay relay;

    /** Produce answers with the CRC-32 of the batch it received as its request id: megabytes in. */
    private final ProducerGrpc.ProducerImplBase producer = new ProducerGrpc.ProducerImplBase() {
        @Override
        public void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
            response.onNext(ProduceResponse.newBuilder().setRequestId(crc(request.getBatch().toByteArray())).build());
            response.onCompleted();
        }
    };

    /** Read answers max_bytes of bytes drawn from a generator seeded with the offset: megabytes out. */
    private final StorageNodeGrpc.StorageNodeImplBase storage = new StorageNodeGrpc.StorageNodeImplBase() {
        @Override
        public void read(ReadRequest request, StreamObserver<ReadResponse> response) {
            response.onNext(ReadResponse.newBuilder()
                    .setBatches(ByteString.copyFrom(bytes(request.getOffset(), request.getMaxBytes()))).build());
            response.onCompleted();
        }
    };

    @BeforeEach
    void start() throws IOException {
        server = new GrpcServer("test server", new HostPort("127.0.0.1", 0), 2 * PAYLOAD, List.of(producer, storage)).start();
        relay = new FrameRelay(server.port());
    }

    @AfterEach
    void stop() throws IOException {
        relay.close();
        server.close();
    }

    @Test
    void strataChannelsAndServersSendMegabytesInFramesLargerThanHttp2sDefault() {
        ManagedChannel channel = Channels.open(new HostPort("127.0.0.1", relay.port()));
        try {
            callBothWays(channel);
        } finally {
            Channels.close(channel);
        }
        assertTrue(relay.toServer.largestData() > HTTP2_DEFAULT_MAX_FRAME, "request frames: " + relay.toServer);
        assertTrue(relay.toClient.largestData() > HTTP2_DEFAULT_MAX_FRAME, "answer frames: " + relay.toClient);
        assertTrue(relay.toClient.largestData() <= LargeFrames.MAX_FRAME_BYTES, "answer frames: " + relay.toClient);
    }

    @Test
    void anOrdinaryGrpcClientGetsDefaultFramesButMaySendLargerOnes() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", relay.port()).usePlaintext()
                .maxInboundMessageSize(2 * PAYLOAD).build();
        try {
            callBothWays(channel);
        } finally {
            Channels.close(channel);
        }
        assertEquals(HTTP2_DEFAULT_MAX_FRAME, relay.toClient.largestData(), "answer frames: " + relay.toClient);
        // Our server told it that it accepts larger frames; how large depends on the client's own buffers.
        assertTrue(relay.toServer.largestData() > HTTP2_DEFAULT_MAX_FRAME, "request frames: " + relay.toServer);
    }

    private static void callBothWays(ManagedChannel channel) {
        byte[] batch = bytes(7, PAYLOAD);
        ProduceResponse produced = ProducerGrpc.newBlockingStub(channel)
                .produce(ProduceRequest.newBuilder().setBatch(ByteString.copyFrom(batch)).build());
        assertEquals(crc(batch), produced.getRequestId(), "the server received the batch unchanged");
        ReadResponse read = StorageNodeGrpc.newBlockingStub(channel)
                .read(ReadRequest.newBuilder().setOffset(11).setMaxBytes(PAYLOAD).build());
        assertArrayEquals(bytes(11, PAYLOAD), read.getBatches().toByteArray());
    }

    private static byte[] bytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    /** Relays one connection to the server and reads the HTTP/2 frame headers passing each way. */
    private static final class FrameRelay implements AutoCloseable {
        private static final int CLIENT_PREFACE_BYTES = 24;
        private final ServerSocket listener = new ServerSocket(0);
        private final int serverPort;
        final FrameSizes toServer = new FrameSizes();
        final FrameSizes toClient = new FrameSizes();
        private volatile Socket client; // set by the acceptor thread, closed by the test
        private volatile Socket upstream;

        FrameRelay(int serverPort) throws IOException {
            this.serverPort = serverPort;
            Thread acceptor = new Thread(this::accept, "frame-relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            try {
                client = listener.accept();
                upstream = new Socket("127.0.0.1", serverPort);
                pump(client.getInputStream(), upstream.getOutputStream(), toServer, CLIENT_PREFACE_BYTES);
                pump(upstream.getInputStream(), client.getOutputStream(), toClient, 0);
            } catch (IOException e) {
                // the test's call fails and says so
            }
        }

        private static void pump(InputStream from, OutputStream to, FrameSizes sizes, int prefaceBytes) {
            Thread pump = new Thread(() -> {
                try (DataInputStream in = new DataInputStream(from)) {
                    byte[] preface = in.readNBytes(prefaceBytes);
                    to.write(preface);
                    byte[] header = new byte[9];
                    while (true) {
                        in.readFully(header);
                        int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                        sizes.record(header[3], length);
                        to.write(header);
                        to.write(in.readNBytes(length));
                        to.flush();
                    }
                } catch (IOException e) {
                    // connection closed
                }
            }, "frame-relay-pump");
            pump.setDaemon(true);
            pump.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            if (client != null) {
                client.close();
            }
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    /** The DATA frames seen one way. */
    private static final class FrameSizes {
        private static final byte DATA = 0;
        private final AtomicInteger largestData = new AtomicInteger();
        private final AtomicInteger dataFrames = new AtomicInteger();

        void record(byte type, int length) {
            if (type == DATA) {
                dataFrames.incrementAndGet();
                largestData.accumulateAndGet(length, Math::max);
            }
        }

        int largestData() {
            return largestData.get();
        }

        @Override
        public String toString() {
            return dataFrames + " DATA frames, largest " + largestData + " bytes";
        }
    }
}
