package io.strata.helm;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.strata.common.net.Channels;
import io.strata.common.net.HostPort;
import io.strata.testkit.ChildProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Pod of a rendered workload, its single container run as a local process the way a kubelet
 * would run it: the image's entrypoint and environment, then the container's env (literal values
 * and the downward-API fields the chart uses), {@code $(VAR)} expansion in env values and args,
 * volumes as directories (ConfigMap files, a claim that outlives restarts, a fresh emptyDir),
 * mount paths and Pod addresses moved to local ones (see {@link PodNetwork}), the gRPC readiness
 * probe, and termination with SIGTERM bounded by terminationGracePeriodSeconds.
 *
 * <p>Nothing about a role is hard-coded here: whatever the chart renders is what runs. Not
 * thread-safe: drive it from the test's thread.
 */
final class LocalPod {
    static {
        ChildProcesses.killOnExit();
    }

    /** Context every Pod of one installation shares. */
    record Site(Manifest manifest, DockerImage image, Path imageRoot, Path workDir, PodNetwork network,
                String namespace) {
        /**
         * What a process in a container of the image starts with: the base image's PATH and JRE
         * (the host's stand in for them), a home directory, then the image's ENV.
         */
        Map<String, String> imageEnv(Path home) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", System.getenv("PATH"));
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.put("HOME", home.toString());
            env.putAll(image.env(imageRoot));
            return env;
        }

        /** The image's entrypoint program, laid out locally. */
        Path entrypoint() {
            return DockerImage.at(imageRoot, image.entrypoint().get(0));
        }
    }

    private static final Pattern VAR = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private final Site site;
    private final String name;
    private final Map<String, String> labels;
    private final Map<String, Object> podSpec;
    private final Map<String, Object> container;
    private final List<Object> claimTemplates;
    private Process process;

    LocalPod(Site site, String name, Map<String, String> labels, Map<String, Object> podSpec,
             List<Object> claimTemplates) {
        this.site = site;
        this.name = name;
        this.labels = Map.copyOf(labels);
        this.podSpec = podSpec;
        List<Object> containers = list(podSpec, "containers");
        if (containers.size() != 1) {
            throw new AssertionError("Pod " + name + " has " + containers.size() + " containers; LocalPod runs one");
        }
        this.container = map(containers.get(0));
        this.claimTemplates = claimTemplates;
    }

    String name() {
        return name;
    }

    Map<String, String> labels() {
        return labels;
    }

    /** Container ports by name. */
    Map<String, Integer> ports() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Object p : list(container, "ports")) {
            out.put(String.valueOf(map(p).get("name")), ((Number) map(p).get("containerPort")).intValue());
        }
        return out;
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the container as a new Pod would: fresh emptyDirs and ConfigMap files, the same claims. */
    void start() {
        try {
            Path podDir = site.workDir().resolve("pods").resolve(name);
            Map<String, Path> mounts = mountVolumes(podDir);
            Map<String, String> containerEnv = containerEnv();
            List<String> command = new ArrayList<>();
            List<String> entry = list(container, "command").isEmpty() ? site.image().entrypoint()
                    : strings(list(container, "command"));
            List<String> args = container.containsKey("args") ? strings(list(container, "args")) : site.image().cmd();
            command.add(DockerImage.at(site.imageRoot(), entry.get(0)).toString());
            for (String arg : concat(entry.subList(1, entry.size()), args)) {
                command.add(localize(expand(arg, containerEnv), mounts));
            }

            // WORKDIR: a mounted volume if one is mounted there, else the image's own directory.
            String workdir = localize(site.image().workdir(), mounts);
            Path cwd = workdir.equals(site.image().workdir()) ? DockerImage.at(site.imageRoot(), workdir) : Path.of(workdir);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(cwd.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(podDir.resolve("container.log").toFile()));
            Map<String, String> env = builder.environment();
            env.clear();
            env.putAll(site.imageEnv(podDir));
            containerEnv.forEach((k, v) -> env.put(k, localize(v, mounts)));
            Files.writeString(podDir.resolve("command.txt"), String.join("\n", command) + "\n");
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Pod " + name, e);
        }
    }

    /** The readiness probe: a gRPC health check on the probe's port, as the kubelet sends it. */
    boolean ready() {
        if (!running()) {
            return false;
        }
        Map<String, Object> grpc = map(Manifest.at(container, "readinessProbe", "grpc"));
        if (grpc.isEmpty()) {
            throw new AssertionError("container of Pod " + name + " has no gRPC readiness probe");
        }
        HostPort address = site.network().address(name, ((Number) grpc.get("port")).intValue());
        ManagedChannel channel = Channels.open(address);
        try {
            Object service = grpc.get("service");
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service == null ? "" : service.toString()).build());
            return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        } catch (RuntimeException e) {
            return false;
        } finally {
            Channels.close(channel, Duration.ofMillis(200));
        }
    }

    /** How long the startup probe lets the container take before the kubelet would restart it. */
    Duration startupBudget() {
        Map<String, Object> probe = map(container.get("startupProbe"));
        long period = number(probe, "periodSeconds", 10);
        long failures = number(probe, "failureThreshold", 3);
        return Duration.ofSeconds(number(probe, "initialDelaySeconds", 0) + period * failures);
    }

    Duration terminationGracePeriod() {
        return Duration.ofSeconds(number(podSpec, "terminationGracePeriodSeconds", 30));
    }

    /**
     * Deletes the Pod as Kubernetes does: SIGTERM, then SIGKILL once the grace period has passed.
     *
     * @return how long the container took to exit, or null if it had to be killed
     */
    Duration terminate() throws InterruptedException {
        if (!running()) {
            return Duration.ZERO;
        }
        long start = System.nanoTime();
        process.destroy();
        boolean exited = process.waitFor(terminationGracePeriod().toMillis(), TimeUnit.MILLISECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
        return exited ? took : null;
    }

    /** SIGKILL, for cleaning up. */
    void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process = null;
    }

    /** State and the end of the container log, for failure messages. */
    String describe() {
        Path log = site.workDir().resolve("pods").resolve(name).resolve("container.log");
        String tail = "";
        try {
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                tail = String.join("\n    ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            }
        } catch (IOException e) {
            tail = "(log unreadable: " + e + ")";
        }
        String state = process == null ? "stopped" : process.isAlive() ? "running, pid " + process.pid()
                : "exited " + process.exitValue();
        return name + ": " + state + ", log " + log + "\n    " + tail;
    }

    /** Volume directories by mount path: ConfigMaps written afresh, claims kept, emptyDirs new. */
    private Map<String, Path> mountVolumes(Path podDir) throws IOException {
        Map<String, Path> byVolume = new LinkedHashMap<>();
        for (Object v : list(podSpec, "volumes")) {
            Map<String, Object> volume = map(v);
            String volumeName = (String) volume.get("name");
            Path dir = podDir.resolve("volumes").resolve(volumeName);
            deleteTree(dir);
            Files.createDirectories(dir);
            if (volume.containsKey("configMap")) {
                byVolume.put(volumeName, dir);
            } else if (volume.containsKey("emptyDir")) {
                byVolume.put(volumeName, dir);
            } else {
                throw new AssertionError("Pod " + name + " volume " + volumeName + " is of a kind LocalPod does not emulate");
            }
        }
        for (Object t : claimTemplates) {
            String claim = (String) Manifest.at(t, "metadata", "name");
            // The PVC of a StatefulSet Pod is <template>-<pod>; it survives the Pod.
            Path dir = site.workDir().resolve("pvc").resolve(claim + "-" + name);
            Files.createDirectories(dir);
            byVolume.put(claim, dir);
        }
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (Object m : list(container, "volumeMounts")) {
            Map<String, Object> mount = map(m);
            Path dir = byVolume.get((String) mount.get("name"));
            if (dir == null) {
                throw new AssertionError("Pod " + name + " mounts volume " + mount.get("name") + ", which it does not have");
            }
            mounts.put((String) mount.get("mountPath"), dir);
        }
        // ConfigMap files last: their contents refer to mount paths and Pod addresses.
        for (Object v : list(podSpec, "volumes")) {
            Map<String, Object> volume = map(v);
            if (volume.containsKey("configMap")) {
                String configMap = (String) Manifest.at(volume, "configMap", "name");
                Map<String, Object> data = site.manifest().get("ConfigMap", configMap).map("data");
                // items: only these keys, each at its path; without items, every key by its name.
                Map<String, String> files = new LinkedHashMap<>();
                List<Object> items = list(map(volume.get("configMap")), "items");
                if (items.isEmpty()) {
                    data.keySet().forEach(k -> files.put(k, k));
                }
                items.forEach(i -> files.put((String) map(i).get("key"), (String) map(i).get("path")));
                for (Map.Entry<String, String> file : files.entrySet()) {
                    Object content = data.get(file.getKey());
                    if (content == null) {
                        throw new AssertionError("Pod " + name + " mounts key " + file.getKey() + " of ConfigMap "
                                + configMap + ", which has only " + data.keySet());
                    }
                    Files.writeString(byVolume.get((String) volume.get("name")).resolve(file.getValue()),
                            localize(content.toString(), mounts));
                }
            }
        }
        return mounts;
    }

    /** The container's env in order, downward-API fields filled in and $(VAR) expanded as the kubelet does. */
    private Map<String, String> containerEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object e : list(container, "env")) {
            Map<String, Object> var = map(e);
            String key = (String) var.get("name");
            if (var.containsKey("value")) {
                env.put(key, expand(String.valueOf(var.get("value")), env));
            } else {
                String path = String.valueOf(Manifest.at(var, "valueFrom", "fieldRef", "fieldPath"));
                env.put(key, field(path));
            }
        }
        return env;
    }

    /** A downward-API field of this Pod. */
    private String field(String path) {
        Matcher label = Pattern.compile("metadata\\.labels\\['([^']+)'\\]").matcher(path);
        if (label.matches()) {
            return labels.getOrDefault(label.group(1), "");
        }
        return switch (path) {
            case "metadata.name" -> name;
            case "metadata.namespace" -> site.namespace();
            case "status.podIP" -> "127.0.0.1";
            default -> throw new AssertionError("the chart reads the Pod field " + path + ", which LocalPod does not emulate");
        };
    }

    /** Kubernetes' $(VAR) expansion: defined variables replaced, $$ escapes a $, anything else left as is. */
    static String expand(String text, Map<String, String> env) {
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1) == null ? "$" : env.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Mount paths moved to their local directories (in one pass), then Pod addresses to loopback. */
    private String localize(String text, Map<String, Path> mounts) {
        List<String> paths = new ArrayList<>(mounts.keySet());
        paths.sort(Comparator.comparingInt(String::length).reversed());
        String out = text;
        if (!paths.isEmpty()) {
            String alternatives = paths.stream().map(Pattern::quote).collect(java.util.stream.Collectors.joining("|"));
            Matcher m = Pattern.compile("(?<=^|[=@\\s:,])(" + alternatives + ")(?=/|$|[\\s:,])").matcher(text);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(mounts.get(m.group(1)).toString()));
            }
            out = m.appendTail(sb).toString();
        }
        return site.network().rewrite(out, name);
    }

    Set<Integer> containerPorts() {
        return new HashSet<>(ports().values());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static long number(Map<String, Object> map, String key, long otherwise) {
        Object v = map.get(key);
        return v == null ? otherwise : ((Number) v).longValue();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> map, String key) {
        Object v = map.get(key);
        return v == null ? List.of() : (List<Object>) v;
    }

    private static List<String> strings(List<Object> values) {
        return values.stream().map(String::valueOf).toList();
    }
}
