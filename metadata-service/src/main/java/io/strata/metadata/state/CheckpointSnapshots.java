package io.strata.metadata.state;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.util.FileUtils;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of the metadata state as RocksDB checkpoints, in Ratis' state machine directory:
 * <pre>
 *   sm/snapshot.&lt;term&gt;_&lt;index&gt;/&lt;file&gt;       a checkpoint (SSTs, MANIFEST, CURRENT, OPTIONS)
 *   sm/snapshot.&lt;term&gt;_&lt;index&gt;/&lt;file&gt;.md5   the MD5 of each file
 * </pre>
 * A snapshot is built under a {@code .tmp} name and renamed when every file and its MD5 are
 * written, so a snapshot directory is always complete. The leader sends one to a lagging peer
 * with Ratis' default chunked install, file by file; the follower's Ratis writes the same
 * layout (it records each file's MD5 after checking it) and replaces its {@code sm} directory,
 * so the layout works both ways. {@link #verify} checks every file against its MD5 before a
 * snapshot is loaded.
 *
 * <p>Thread-safety: called by Ratis' state machine updater and the log appenders; the latest
 * snapshot is a volatile reference, directory changes are renames.
 */
final class CheckpointSnapshots implements StateMachineStorage {
    private static final Logger log = LoggerFactory.getLogger(CheckpointSnapshots.class);
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    private static final String MD5_SUFFIX = MD5FileUtil.MD5_SUFFIX;
    /** How many snapshots to keep when Ratis' retention policy does not say. */
    static final int DEFAULT_RETAINED = 2;

    private volatile File smDir;
    private volatile SnapshotInfo latest;

    /** What a checkpoint writer does: fill {@code dir}, which does not exist yet. */
    interface CheckpointWriter {
        void writeInto(Path dir) throws IOException;
    }

    @Override
    public void init(RaftStorage storage) throws IOException {
        this.smDir = storage.getStorageDir().getStateMachineDir();
        Files.createDirectories(smDir.toPath());
        latest = loadLatest();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    /** Rescans the directory (after Ratis installed a snapshot into it) and returns the newest snapshot. */
    SnapshotInfo loadLatest() throws IOException {
        Path newest = null;
        TermIndex newestTi = null;
        try (Stream<Path> dirs = Files.list(smDir.toPath())) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                TermIndex ti = parse(d.getFileName().toString());
                if (ti != null && Files.isDirectory(d) && (newestTi == null || ti.compareTo(newestTi) > 0)) {
                    newest = d;
                    newestTi = ti;
                }
            }
        }
        latest = newest == null ? null : describe(newest, newestTi);
        return latest;
    }

    /** Takes a snapshot at {@code ti} with {@code writer}; returns false when one exists already. */
    boolean take(TermIndex ti, CheckpointWriter writer) throws IOException {
        Path target = smDir.toPath().resolve(name(ti));
        if (Files.exists(target)) {
            return false;
        }
        Path tmp = smDir.toPath().resolve(name(ti) + ".tmp");
        if (Files.exists(tmp)) {
            FileUtils.deleteFully(tmp);
        }
        writer.writeInto(tmp);
        for (Path f : dataFiles(tmp)) {
            MD5FileUtil.computeAndSaveMd5ForFile(f.toFile());
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        latest = describe(target, ti);
        return true;
    }

    /** The directory of a snapshot, for loading it. */
    static Path dirOf(SnapshotInfo snapshot) {
        return snapshot.getFiles().get(0).getPath().getParent();
    }

    /** Checks every file of {@code snapshot} against its recorded MD5. */
    static void verify(SnapshotInfo snapshot) throws IOException {
        for (FileInfo f : snapshot.getFiles()) {
            MD5Hash expected = f.getFileDigest();
            if (expected == null) {
                throw new IOException("snapshot file " + f.getPath() + " has no MD5 record");
            }
            MD5FileUtil.verifySavedMD5(f.getPath().toFile(), expected);
        }
    }

    @Override
    public void format() {
        // nothing to format: directories are created on init
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        int keep = policy != null && policy.getNumSnapshotsRetained() > 0 ? policy.getNumSnapshotsRetained()
                : DEFAULT_RETAINED;
        List<Path> all = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(smDir.toPath())) {
            dirs.filter(d -> parse(d.getFileName().toString()) != null).forEach(all::add);
        }
        all.sort(Comparator.comparing((Path d) -> parse(d.getFileName().toString())).reversed());
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
            log.debug("deleting old metadata snapshot {}", old);
            FileUtils.deleteFully(old);
        }
    }

    private static SnapshotInfo describe(Path dir, TermIndex ti) throws IOException {
        List<FileInfo> files = new ArrayList<>();
        for (Path f : dataFiles(dir)) {
            File md5 = new File(f + MD5_SUFFIX);
            files.add(new FileInfo(f, md5.exists() ? MD5FileUtil.readStoredMd5ForFile(f.toFile()) : null));
        }
        if (files.isEmpty()) {
            throw new IOException("metadata snapshot " + dir + " holds no files");
        }
        return new FileListSnapshotInfo(files, ti);
    }

    private static List<Path> dataFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().endsWith(MD5_SUFFIX))
                    .sorted().toList();
        }
    }

    private static String name(TermIndex ti) {
        return "snapshot." + ti.getTerm() + "_" + ti.getIndex();
    }

    private static TermIndex parse(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))) : null;
    }
}
