package io.strata.cli.client;

import io.strata.client.producer.Acks;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata produce TOPIC}: sends one record per line of standard input (UTF-8), then
 * flushes and prints {@code produced N records to TOPIC in X ms} on stderr. With
 * {@code --key-separator SEP} the text before the first SEP is the key (a line without SEP is
 * an error, as in Kafka's console producer). Stops at the first failed record and exits 1.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send one record per line of standard input to a topic.")
public class ProduceCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic to produce to.")
    String topic;

    @Option(names = "--key-separator", paramLabel = "SEP",
            description = "Split each line at the first SEP into key and value (default: no key).")
    String keySeparator;

    @Option(names = "--acks", paramLabel = "all|1|0", defaultValue = "all", converter = AcksConverter.class,
            description = "Acknowledgement level: all (every in-sync replica), 1 (leader), 0 (none). Default: ${DEFAULT-VALUE}.")
    Acks acks;

    /** Where lines are read from; standard input unless a test replaces it. */
    InputStream input = System.in;

    public ProduceCommand() {
    }

    @Override
    protected int run() throws Exception {
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--key-separator must not be empty");
        }
        ProducerConfig config = ProducerConfig.builder().bootstrap(bootstrap.resolve()).acks(acks).build();
        AtomicLong acknowledged = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        long started = System.nanoTime();
        long lineNumber = 0;
        try (StrataProducer producer = new StrataProducer(config);
             BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            String line;
            while (firstFailure.get() == null && (line = reader.readLine()) != null) {
                lineNumber++;
                KeyValueLine kv = KeyValueLine.parse(line, keySeparator, lineNumber);
                producer.send(new ProducerRecord(topic, null, kv.key(), kv.value(), List.of(), null))
                        .whenComplete((metadata, error) -> {
                            if (error == null) {
                                acknowledged.incrementAndGet();
                            } else {
                                firstFailure.compareAndSet(null, error);
                            }
                        });
            }
            producer.flush();
            Throwable failure = firstFailure.get();
            if (failure != null) {
                throw failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            err().printf("produced %d records to %s in %d ms%n", acknowledged.get(), topic, ms);
            err().flush();
        }
        return 0;
    }

    /** Parses {@code --acks}. */
    static final class AcksConverter implements ITypeConverter<Acks> {
        @Override
        public Acks convert(String value) {
            return Acks.parse(value);
        }
    }
}
