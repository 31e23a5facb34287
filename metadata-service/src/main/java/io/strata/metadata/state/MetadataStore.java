package io.strata.metadata.state;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.proto.internal.CommittedOffset;
import io.strata.proto.internal.GroupRecord;
import io.strata.proto.internal.NodeRecord;
import io.strata.proto.internal.TopicRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rocksdb.Checkpoint;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB database that holds the metadata state of one peer.
 *
 * <p>Key layout (one column family, values are serialized protobuf messages):
 * <pre>
 *   'n' node id (int32 big-endian)                      → NodeRecord
 *   't' topic name (UTF-8)                              → TopicRecord
 *   'o' group (UTF-8) 0x00 topic (UTF-8) 0x00 partition → CommittedOffset
 *   'g' group (UTF-8)                                   → GroupRecord (members and assignments)
 *   'm' "applied"                                       → term (int64) index (int64)
 *   'm' "version"                                       → image version (int64)
 * </pre>
 * Every {@link #write} is one {@link WriteBatch} holding a command's effects <em>and</em> the
 * Raft term/index it came from, so after a crash the database is exactly the state as of its
 * recorded applied index and replay resumes right after it. Writes are not fsynced (the Raft
 * log is); RocksDB's WAL survives a process crash, and {@link #checkpoint} flushes first.
 *
 * <p>Thread-safety: RocksDB is thread-safe; {@link MetadataState} serialises writes.
 */
final class MetadataStore implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private static final byte NODE = 'n';
    private static final byte TOPIC = 't';
    private static final byte OFFSET = 'o';
    private static final byte GROUP = 'g';
    private static final byte[] APPLIED_KEY = "mapplied".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VERSION_KEY = "mversion".getBytes(StandardCharsets.US_ASCII);

    /** The Raft position the database reflects; index 0 when nothing was applied. */
    record Applied(long term, long index) {
    }

    private final Path dir;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;

    private MetadataStore(Path dir, Options options, RocksDB db) {
        this.dir = dir;
        this.options = options;
        this.db = db;
        this.writeOptions = new WriteOptions();
    }

    /** Opens (creating if missing) the database in {@code dir}. */
    static MetadataStore open(Path dir) {
        Options options = new Options().setCreateIfMissing(true);
        try {
            Files.createDirectories(dir);
            return new MetadataStore(dir, options, RocksDB.open(options, dir.toString()));
        } catch (IOException | RocksDBException e) {
            options.close();
            throw new UncheckedIOException(new IOException("cannot open metadata database in " + dir + ": "
                    + e.getMessage(), e));
        }
    }

    Path dir() {
        return dir;
    }

    Applied applied() {
        byte[] v = get(APPLIED_KEY);
        if (v == null) {
            return new Applied(0, 0);
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        return new Applied(b.getLong(), b.getLong());
    }

    long imageVersion() {
        byte[] v = get(VERSION_KEY);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    Map<Integer, NodeRecord> nodes() {
        Map<Integer, NodeRecord> out = new TreeMap<>();
        scan(new byte[] {NODE}, (k, v) -> {
            NodeRecord n = NodeRecord.parseFrom(v);
            out.put(n.getId(), n);
        });
        return out;
    }

    Map<String, TopicRecord> topics() {
        Map<String, TopicRecord> out = new TreeMap<>();
        scan(new byte[] {TOPIC}, (k, v) -> {
            TopicRecord t = TopicRecord.parseFrom(v);
            out.put(t.getName(), t);
        });
        return out;
    }

    Map<String, GroupRecord> groups() {
        Map<String, GroupRecord> out = new TreeMap<>();
        scan(new byte[] {GROUP}, (k, v) -> {
            GroupRecord g = GroupRecord.parseFrom(v);
            out.put(g.getGroup(), g);
        });
        return out;
    }

    CommittedOffset offset(String group, String topic, int partition) {
        byte[] v = get(offsetKey(group, topic, partition));
        try {
            return v == null ? null : CommittedOffset.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
            throw corrupt(e);
        }
    }

    /** One group's offsets (every group's when {@code group} is null), ordered by group, topic, partition. */
    List<CommittedOffset> offsets(String group) {
        List<CommittedOffset> out = new ArrayList<>();
        byte[] prefix = group == null ? new byte[] {OFFSET} : concat(new byte[] {OFFSET}, utf8(group), new byte[] {0});
        scan(prefix, (k, v) -> out.add(CommittedOffset.parseFrom(v)));
        return out;
    }

    /** Writes {@code change} and the applied position atomically. */
    void write(StateChange change, long term, long index) {
        try (WriteBatch batch = new WriteBatch()) {
            for (NodeRecord n : change.nodePuts().values()) {
                batch.put(nodeKey(n.getId()), n.toByteArray());
            }
            for (TopicRecord t : change.topicPuts().values()) {
                batch.put(topicKey(t.getName()), t.toByteArray());
            }
            for (String t : change.topicDeletes()) {
                batch.delete(topicKey(t));
            }
            for (CommittedOffset o : change.offsetPuts()) {
                batch.put(offsetKey(o.getGroup(), o.getTopic(), o.getPartition()), o.toByteArray());
            }
            for (CommittedOffset o : change.offsetDeletes()) {
                batch.delete(offsetKey(o.getGroup(), o.getTopic(), o.getPartition()));
            }
            for (GroupRecord g : change.groupPuts().values()) {
                batch.put(groupKey(g.getGroup()), g.toByteArray());
            }
            for (String g : change.groupDeletes()) {
                batch.delete(groupKey(g));
            }
            if (change.imageVersion() > 0) {
                batch.put(VERSION_KEY, ByteBuffer.allocate(8).putLong(change.imageVersion()).array());
            }
            batch.put(APPLIED_KEY, ByteBuffer.allocate(16).putLong(term).putLong(index).array());
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new UncheckedIOException(new IOException("metadata database write failed at index " + index
                    + " in " + dir + ": " + e.getMessage(), e));
        }
    }

    /** Writes a consistent copy of the database into {@code target} (which must not exist): hard links plus a fresh manifest. */
    void checkpoint(Path target) throws IOException {
        try (Checkpoint cp = Checkpoint.create(db)) {
            cp.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("cannot checkpoint the metadata database into " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        db.close();
        writeOptions.close();
        options.close();
    }

    private interface EntryConsumer {
        void accept(byte[] key, byte[] value) throws InvalidProtocolBufferException;
    }

    private void scan(byte[] prefix, EntryConsumer consumer) {
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                consumer.accept(it.key(), it.value());
            }
        } catch (InvalidProtocolBufferException e) {
            throw corrupt(e);
        }
    }

    private byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new UncheckedIOException(new IOException("metadata database read failed in " + dir, e));
        }
    }

    private UncheckedIOException corrupt(InvalidProtocolBufferException e) {
        return new UncheckedIOException(new IOException("unreadable record in metadata database " + dir, e));
    }

    private static byte[] nodeKey(int id) {
        return ByteBuffer.allocate(5).put(NODE).putInt(id).array();
    }

    private static byte[] topicKey(String name) {
        return concat(new byte[] {TOPIC}, utf8(name));
    }

    private static byte[] groupKey(String group) {
        return concat(new byte[] {GROUP}, utf8(group));
    }

    private static byte[] offsetKey(String group, String topic, int partition) {
        return concat(new byte[] {OFFSET}, utf8(group), new byte[] {0}, utf8(topic), new byte[] {0},
                ByteBuffer.allocate(4).putInt(partition).array());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] out = new byte[len];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
