package io.strata.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The strata image as the repository's {@code Dockerfile} describes it, laid out locally where no
 * container engine runs: the final stage's {@code COPY} instructions become symbolic links under
 * a root directory (sources of {@code --from=<stage>} copies map back to the repository, since
 * the build stage copies it whole into its {@code WORKDIR}); {@code ENV}, {@code WORKDIR},
 * {@code USER}, {@code ENTRYPOINT} and {@code CMD} are read as the container runtime would.
 * {@code RUN} is not executed: the base image's JRE stands in as the test JVM's.
 *
 * <p>Fails loudly on instructions it cannot lay out, so the Dockerfile and this reading cannot
 * quietly diverge. Immutable after {@link #parse}.
 */
final class DockerImage {
    private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path repo;
    private final Map<String, String> stageWorkdirs;
    private final List<String[]> copies = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workdir = "/";
    private String user = "0";
    private List<String> entrypoint = List.of();
    private List<String> cmd = List.of();

    private DockerImage(Path repo, Map<String, String> stageWorkdirs) {
        this.repo = repo;
        this.stageWorkdirs = stageWorkdirs;
    }

    /** Reads {@code <repo>/Dockerfile}. */
    static DockerImage parse(Path repo) {
        List<String> lines;
        try {
            lines = logicalLines(Files.readString(repo.resolve("Dockerfile")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Stages before the last one only matter as copy sources: their name and WORKDIR.
        Map<String, String> workdirs = new LinkedHashMap<>();
        int lastFrom = -1;
        String stage = null;
        boolean copiesRepo = false;
        for (int i = 0; i < lines.size(); i++) {
            String[] parts = lines.get(i).split("\\s+", 2);
            String op = parts[0].toUpperCase();
            if (op.equals("FROM")) {
                if (stage != null && !copiesRepo) {
                    workdirs.remove(stage);
                }
                lastFrom = i;
                String[] from = parts[1].trim().split("\\s+");
                stage = from.length == 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null;
                copiesRepo = false;
            } else if (op.equals("WORKDIR") && stage != null) {
                workdirs.put(stage, parts[1].trim());
            } else if (op.equals("COPY") && stage != null && parts[1].trim().equals(". .")) {
                copiesRepo = true;
            }
        }
        DockerImage image = new DockerImage(repo, workdirs);
        for (String line : lines.subList(lastFrom + 1, lines.size())) {
            image.apply(line);
        }
        return image;
    }

    private void apply(String line) {
        String[] parts = line.split("\\s+", 2);
        String op = parts[0].toUpperCase();
        String rest = parts.length > 1 ? parts[1].trim() : "";
        switch (op) {
            case "COPY" -> copies.add(rest.split("\\s+"));
            case "ENV" -> env.putAll(envPairs(rest));
            case "WORKDIR" -> workdir = rest;
            case "USER" -> user = rest;
            case "ENTRYPOINT" -> entrypoint = execForm(op, rest);
            case "CMD" -> cmd = execForm(op, rest);
            case "RUN", "LABEL", "ARG", "EXPOSE" -> {
                // RUN prepares users and directories the local layout does not need.
            }
            default -> throw new AssertionError("the final stage of the Dockerfile has " + op
                    + ", which DockerImage cannot lay out locally: " + line);
        }
    }

    /**
     * Lays the image's copied files out under {@code root} (as links to the repository's files)
     * and creates its WORKDIR there; returns {@code root}.
     */
    Path materialize(Path root) {
        try {
            for (String[] copy : copies) {
                String from = null;
                List<String> paths = new ArrayList<>();
                for (String token : copy) {
                    if (token.startsWith("--from=")) {
                        from = token.substring("--from=".length());
                    } else if (!token.startsWith("--")) {
                        paths.add(token);
                    }
                }
                if (paths.size() != 2) {
                    throw new AssertionError("COPY with " + paths.size() + " paths; DockerImage handles one source: "
                            + String.join(" ", copy));
                }
                Path source = sourcePath(from, paths.get(0));
                if (!Files.exists(source)) {
                    throw new AssertionError("the Dockerfile copies " + source + ", which does not exist; build the "
                            + "distribution first (mvn -B verify builds cli/ before helm/)");
                }
                String dest = paths.get(1);
                Path target = at(root, dest.endsWith("/") && !paths.get(0).endsWith("/")
                        ? dest + source.getFileName() : dest);
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, source);
            }
            Files.createDirectories(at(root, workdir));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out the image under " + root, e);
        }
    }

    /** Where a copy source is in the repository: the build context, or a stage that copied it whole. */
    private Path sourcePath(String stage, String path) {
        if (stage == null) {
            return repo.resolve(path);
        }
        String workdir = stageWorkdirs.get(stage);
        if (workdir == null || !path.startsWith(workdir + "/")) {
            throw new AssertionError("COPY --from=" + stage + " " + path + ": stage " + stage
                    + " must COPY . . into its WORKDIR for DockerImage to find " + path + " in the repository");
        }
        return repo.resolve(path.substring(workdir.length() + 1));
    }

    /** An absolute image path under the local root. */
    static Path at(Path root, String imagePath) {
        return root.resolve(imagePath.replaceFirst("^/+", ""));
    }

    /** The image's environment, paths inside the image moved under {@code root}. */
    Map<String, String> env(Path root) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> out.put(k, v.startsWith("/") && Files.exists(at(root, v)) ? at(root, v).toString() : v));
        return out;
    }

    List<String> entrypoint() {
        return entrypoint;
    }

    List<String> cmd() {
        return cmd;
    }

    String workdir() {
        return workdir;
    }

    /** The USER instruction, e.g. {@code 10001:10001}. */
    String user() {
        return user;
    }

    /** Joins continued lines and drops comments and blank lines. */
    private static List<String> logicalLines(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                out.add(current.append(line).toString().strip());
                current.setLength(0);
            }
        }
        return out;
    }

    /** {@code ["a", "b"]}: the exec form; the shell form would run through /bin/sh -c. */
    private static List<String> execForm(String op, String rest) {
        if (!rest.startsWith("[")) {
            throw new AssertionError(op + " must use the exec form [\"...\"], not: " + rest);
        }
        List<String> out = new ArrayList<>();
        Matcher m = QUOTED.matcher(rest);
        while (m.find()) {
            out.add(m.group(1).replace("\\\"", "\""));
        }
        return out;
    }

    /** {@code K=V K2="a b"} pairs of an ENV instruction. */
    private static Map<String, String> envPairs(String rest) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"((?:[^\"\\\\]|\\\\.)*)\"|\\S*)").matcher(rest);
        while (m.find()) {
            out.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        }
        if (out.isEmpty()) {
            throw new AssertionError("ENV must use the KEY=VALUE form: " + rest);
        }
        return out;
    }
}
