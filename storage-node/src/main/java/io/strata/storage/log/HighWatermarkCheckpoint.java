package io.strata.storage.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage node's high-watermark checkpoint (Kafka's replication-offset-checkpoint): one file
 * in the data directory holding the high watermark of every replica, so that a restarted node
 * serves consumers everything that was committed at once, rather than from the log start until
 * its followers have fetched again.
 *
 * <pre>
 * &lt;dataDir&gt;/replication-offset-checkpoint
 *   0                                   version
 *   2                                   entry count
 *   &lt;topicId&gt; &lt;partition&gt; &lt;hw&gt; &lt;topic&gt;   one line per replica
 * </pre>
 *
 * <p>Keyed by topic id, so a topic deleted and created again under its name never inherits an
 * old high watermark. Written crash-safely (see {@link Checkpoints}); a missing or damaged file
 * reads as empty, which only costs freshness: a high watermark is a lower bound of what was
 * committed, and readers clamp it to their log. One file per node keeps the cost at one write
 * and two fsyncs per interval however many partitions there are.
 *
 * <p>Thread-safe: writes are serialised.
 */
public final class HighWatermarkCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(HighWatermarkCheckpoint.class);
    static final String FILE_NAME = "replication-offset-checkpoint";

    /** One replica's high watermark. */
    public record Entry(String topicId, String topic, int partition, long highWatermark) {
    }

    /** Identifies a replica: its topic id and partition. */
    public record Key(String topicId, int partition) {
    }

    private final Path file;

    public HighWatermarkCheckpoint(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
    }

    /** The checkpointed high watermarks; empty when there is no readable file. */
    public Map<Key, Long> read() {
        Map<Key, Long> out = new HashMap<>();
        try {
            List<String> lines = Checkpoints.read(file);
            for (int i = 2; i < lines.size(); i++) {
                String[] parts = lines.get(i).trim().split(" ");
                out.put(new Key(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("{} is unreadable ({}); high watermarks start from what followers report", file, e.toString());
            out.clear();
        }
        return out;
    }

    /** Replaces the file with {@code entries}. */
    public synchronized void write(Collection<Entry> entries) {
        List<String> lines = new ArrayList<>(entries.size() + 2);
        lines.add("0");
        lines.add(Integer.toString(entries.size()));
        for (Entry e : entries) {
            lines.add(e.topicId() + " " + e.partition() + " " + e.highWatermark() + " " + e.topic());
        }
        try {
            java.nio.file.Files.createDirectories(file.getParent());
            Checkpoints.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
