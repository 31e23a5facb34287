package io.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.ConsumerRecord;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public gRPC API from other languages: a Python client (Debian's python3-grpcio, stubs generated
 * from proto/ into target/ by Debian's protoc 3.21 with grpc_python_plugin) and a Node.js client (@grpc/grpc-js and
 * @grpc/proto-loader, installed with {@code npm ci} from the committed lock file into target/) each
 * run as a process against a real gateway. Each script produces records, which are read back here
 * with the Java consumer, and consumes records the Java producer wrote, which it prints and this
 * test compares. Missing interpreters or packages fail the test with what to install.
 */
@Timeout(300)
class AnyLanguageClientTest {
    private static final Path PROTO_DIR = Path.of("..", "proto", "src", "main", "proto").toAbsolutePath();
    private static final Path WORK = Path.of("target", "any-language").toAbsolutePath();
    /** Debian's interpreter: the one its python3-grpcio and python3-protobuf packages install into. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** From Debian's protobuf-compiler-grpc; matches python3-grpcio 1.51. */
    private static final String GRPC_PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin";
    private static final int FROM_SCRIPT = 25;
    private static final int FROM_JAVA = 30;
    private static final Duration PROCESS_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path dataDir;
    private static LocalCluster cluster;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(WORK);
        cluster = LocalCluster.builder().metadataPeers(1).storageNodes(1).dataDir(dataDir).build().start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void pythonClientProducesAndConsumesThroughTheGateway() throws Exception {
        Processes.Result modules = run(List.of("sh", "-c", PYTHON + " -c 'import grpc, google.protobuf'"
                + " && command -v protoc && command -v " + GRPC_PYTHON_PLUGIN));
        if (modules.exit() != 0) {
            fail("the Python client needs Debian's Python gRPC packages for " + PYTHON + " and a protoc that knows"
                    + " proto3 'optional' (python3-grpc-tools bundles protoc 3.6, which does not): apt-get install -y"
                    + " python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc\n" + modules.stdout()
                    + modules.stderr());
        }
        Path stubs = WORK.resolve("python");
        Files.createDirectories(stubs);
        Processes.Result generated = run(List.of("protoc", "-I", PROTO_DIR.toString(),
                "--plugin=protoc-gen-grpc_python=" + GRPC_PYTHON_PLUGIN, "--python_out=" + stubs,
                "--grpc_python_out=" + stubs, "strata/v1/common.proto", "strata/v1/producer.proto",
                "strata/v1/consumer.proto"));
        assertEquals(0, generated.exit(), "stub generation failed: " + generated.stderr());

        roundTrip("python", List.of(PYTHON.toString(), Path.of("src/test/python/roundtrip.py").toAbsolutePath().toString(),
                stubs.toString()), "py-key-", "python-");
    }

    @Test
    void nodeClientProducesAndConsumesThroughTheGateway() throws Exception {
        Processes.Result node = run(List.of("sh", "-c", "node --version && npm --version"));
        if (node.exit() != 0) {
            fail("the Node.js client needs node and npm on the PATH: apt-get install -y nodejs npm\n" + node.stderr());
        }
        Path home = installNodePackages();
        roundTrip("node", List.of("node", home.resolve("roundtrip.js").toString(), PROTO_DIR.toString()),
                "node-key-", "node-");
    }

    /**
     * Java writes FROM_JAVA records to one topic; the script (given the gateway, topics, counts and
     * a group after {@code command}) produces FROM_SCRIPT records to another and consumes the first.
     */
    private static void roundTrip(String language, List<String> command, String keyPrefix, String valuePrefix)
            throws Exception {
        String toScript = language + "-in";
        String fromScript = language + "-out";
        createTopic(toScript);
        createTopic(fromScript);
        Set<String> javaValues = produceFromJava(toScript);

        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(cluster.gatewayAddress().toString(), fromScript, Integer.toString(FROM_SCRIPT), toScript,
                Integer.toString(FROM_JAVA), language + "-group"));
        Processes.Result script = run(args);
        assertEquals(0, script.exit(), language + " client failed:\n" + script.stdout() + script.stderr());

        // What the script says it produced is what the Java consumer finds in the topic.
        Set<String> claimed = lines(script, "PRODUCED ").stream().collect(Collectors.toCollection(TreeSet::new));
        assertEquals(FROM_SCRIPT, claimed.size(), script.stdout());
        List<ConsumerRecord> stored = readFromJava(fromScript, FROM_SCRIPT);
        assertEquals(claimed, stored.stream().map(r -> r.partition() + " " + r.offset())
                .collect(Collectors.toCollection(TreeSet::new)), "positions the script reported");
        assertEquals(expected(valuePrefix, FROM_SCRIPT), stored.stream().map(r -> utf8(r.value())).collect(Collectors.toSet()));
        for (ConsumerRecord r : stored) {
            assertEquals(utf8(r.value()).replace(valuePrefix, keyPrefix), utf8(r.key()), "key of " + utf8(r.value()));
        }

        // What the script consumed is exactly what Java produced.
        List<String> consumed = lines(script, "CONSUMED ").stream().map(l -> l.split(" ", 3)[2]).toList();
        assertEquals(FROM_JAVA, consumed.size(), script.stdout());
        assertEquals(javaValues, new HashSet<>(consumed));
    }

    private static void createTopic(String topic) {
        try (io.strata.client.admin.StrataAdmin admin = new io.strata.client.admin.StrataAdmin(
                io.strata.client.Bootstrap.resolve(cluster.gatewayAddress().toString()), Duration.ofSeconds(30))) {
            admin.createTopic(topic, 3, 1, Map.of());
        }
    }

    private static Set<String> produceFromJava(String topic) {
        try (StrataProducer producer = new StrataProducer(ProducerConfig.builder()
                .bootstrap(cluster.gatewayAddress().toString()).build())) {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            IntStream.range(0, FROM_JAVA).forEach(i -> acks.add(producer.send(ProducerRecord.of(topic,
                    ("k" + i).getBytes(StandardCharsets.UTF_8), ("java-" + i).getBytes(StandardCharsets.UTF_8)))));
            acks.forEach(CompletableFuture::join);
        }
        return expected("java-", FROM_JAVA);
    }

    private static List<ConsumerRecord> readFromJava(String topic, int count) {
        ConsumerConfig config = ConsumerConfig.builder("verify-" + topic).bootstrap(cluster.gatewayAddress().toString())
                .autoOffsetReset(OffsetReset.EARLIEST).build();
        List<ConsumerRecord> records = new ArrayList<>();
        try (StrataConsumer consumer = new StrataConsumer(config)) {
            consumer.subscribe(List.of(topic));
            long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < count && System.nanoTime() < giveUp) {
                records.addAll(consumer.poll(Duration.ofMillis(500)));
            }
            // Nothing beyond what the script wrote.
            records.addAll(consumer.poll(Duration.ofMillis(300)));
        }
        assertEquals(count, records.size(), "records in " + topic);
        return records;
    }

    /** The npm packages pinned in src/test/node/package-lock.json, installed with npm ci unless already current. */
    private static Path installNodePackages() throws IOException {
        Path source = Path.of("src", "test", "node").toAbsolutePath();
        Path home = WORK.resolve("node");
        Files.createDirectories(home);
        Path installedLock = home.resolve("node_modules").resolve(".strata-lock.json");
        byte[] lock = Files.readAllBytes(source.resolve("package-lock.json"));
        for (String file : List.of("package.json", "package-lock.json", "roundtrip.js")) {
            Files.copy(source.resolve(file), home.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(installedLock) || !java.util.Arrays.equals(lock, Files.readAllBytes(installedLock))) {
            Processes.Result npm = Processes.run(List.of("npm", "ci", "--no-audit", "--no-fund"), null, null, home,
                    Duration.ofMinutes(10));
            if (npm.exit() != 0) {
                fail("npm ci in " + home + " failed (node and npm must be installed and the npm registry reachable):\n"
                        + npm.stderr());
            }
            Files.write(installedLock, lock);
        }
        return home;
    }

    private static Processes.Result run(List<String> command) {
        return Processes.run(command, null, null, WORK, PROCESS_TIMEOUT);
    }

    private static List<String> lines(Processes.Result result, String prefix) {
        return result.stdout().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    private static Set<String> expected(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).collect(Collectors.toSet());
    }

    private static String utf8(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }
}
