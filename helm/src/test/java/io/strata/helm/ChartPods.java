package io.strata.helm;

import io.strata.common.net.HostPort;
import io.strata.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every Pod a rendered chart would create, as local processes ({@link LocalPod}): StatefulSet Pods
 * {@code <name>-<ordinal>} with their stable DNS names behind the StatefulSet's Service, and
 * Deployment Pods. Each Pod gets the labels Kubernetes adds: the template's, the StatefulSet's
 * {@code apps.kubernetes.io/pod-index}, and the Node's zone and region
 * (PodTopologyLabelsAdmission, Kubernetes 1.35), taken from the zone the test places the Pod in.
 * Not thread-safe.
 */
final class ChartPods implements AutoCloseable {
    private final LocalPod.Site site;
    private final Map<String, LocalPod> pods = new LinkedHashMap<>();
    private final Map<String, List<LocalPod>> byWorkload = new HashMap<>();

    /**
     * @param zoneOf the zone of the Node each Pod (by name) is scheduled on
     */
    ChartPods(Manifest manifest, DockerImage image, Path workDir, Function<String, String> zoneOf) {
        Path imageRoot = image.materialize(workDir.resolve("image"));
        this.site = new LocalPod.Site(manifest, image, imageRoot, workDir, new PodNetwork(), Chart.NAMESPACE);
        String domain = clusterDomain(manifest);
        for (Manifest.Obj sts : manifest.all("StatefulSet")) {
            int start = ((Number) sts.map("spec", "ordinals").getOrDefault("start", 0)).intValue();
            int replicas = ((Number) sts.get("spec", "replicas")).intValue();
            for (int ordinal = start; ordinal < start + replicas; ordinal++) {
                String name = sts.name() + "-" + ordinal;
                Map<String, String> labels = podLabels(sts, zoneOf.apply(name));
                labels.put("apps.kubernetes.io/pod-index", Integer.toString(ordinal));
                labels.put("statefulset.kubernetes.io/pod-name", name);
                String dns = name + "." + sts.string("spec", "serviceName") + "." + Chart.NAMESPACE + ".svc." + domain;
                add(sts, new LocalPod(site, name, labels, sts.map("spec", "template", "spec"),
                        sts.list("spec", "volumeClaimTemplates")), dns);
            }
        }
        for (Manifest.Obj deployment : manifest.all("Deployment")) {
            int replicas = ((Number) deployment.get("spec", "replicas")).intValue();
            for (int i = 0; i < replicas; i++) {
                String name = deployment.name() + "-" + i;
                add(deployment, new LocalPod(site, name, podLabels(deployment, zoneOf.apply(name)),
                        deployment.map("spec", "template", "spec"), List.of()), null);
            }
        }
    }

    private void add(Manifest.Obj workload, LocalPod pod, String dns) {
        pods.put(pod.name(), pod);
        byWorkload.computeIfAbsent(workload.name(), k -> new ArrayList<>()).add(pod);
        site.network().addPod(pod.name(), dns, pod.containerPorts());
    }

    private static Map<String, String> podLabels(Manifest.Obj workload, String zone) {
        Map<String, String> labels = new LinkedHashMap<>();
        workload.map("spec", "template", "metadata", "labels").forEach((k, v) -> labels.put(k, String.valueOf(v)));
        labels.put("topology.kubernetes.io/zone", zone);
        labels.put("topology.kubernetes.io/region", "local");
        return labels;
    }

    /** The cluster domain the chart was rendered for, read from the metadata peers' DNS names. */
    private static String clusterDomain(Manifest manifest) {
        for (Manifest.Obj cm : manifest.all("ConfigMap")) {
            for (Object data : cm.map("data").values()) {
                int svc = data.toString().indexOf(".svc.");
                if (svc >= 0) {
                    return data.toString().substring(svc + 5).split("[:\\s/,]")[0];
                }
            }
        }
        throw new AssertionError("no ConfigMap names a Pod DNS name (*.svc.<domain>)");
    }

    /** The Pods of a StatefulSet or Deployment, in ordinal order. */
    List<LocalPod> of(String workload) {
        List<LocalPod> list = byWorkload.get(workload);
        if (list == null) {
            throw new AssertionError("no workload " + workload + "; there are " + byWorkload.keySet());
        }
        return list;
    }

    LocalPod pod(String name) {
        return pods.get(name);
    }

    PodNetwork network() {
        return site.network();
    }

    /** Starts every Pod at once and waits until each is ready, within its startup probe's budget. */
    void startAll() {
        pods.values().forEach(LocalPod::start);
        for (LocalPod pod : pods.values()) {
            awaitReady(pod);
        }
    }

    void awaitReady(LocalPod pod) {
        await(pod.name() + " to pass its readiness probe", pod.startupBudget(), pod::ready);
    }

    /**
     * Where a client of Service {@code service} lands: a ready Pod behind it, at the port its
     * first service port targets (by name or number).
     */
    HostPort serviceAddress(String service) {
        Manifest.Obj svc = site.manifest().get("Service", service);
        Map<String, Object> selector = svc.map("spec", "selector");
        Object target = svc.get("spec", "ports", 0, "targetPort");
        Object port = target != null ? target : svc.get("spec", "ports", 0, "port");
        for (LocalPod pod : pods.values()) {
            boolean selected = selector.entrySet().stream()
                    .allMatch(e -> String.valueOf(e.getValue()).equals(pod.labels().get(e.getKey())));
            if (selected && pod.ready()) {
                Integer number = port instanceof Number n ? Integer.valueOf(n.intValue()) : pod.ports().get(port.toString());
                if (number == null) {
                    throw new AssertionError("Service " + service + " targets port " + port + ", which Pod " + pod.name()
                            + " does not name; it has " + pod.ports());
                }
                return site.network().address(pod.name(), number);
            }
        }
        throw new AssertionError("no ready Pod behind Service " + service + " (selector " + selector + ")\n" + describe());
    }

    /**
     * Runs a shell script as {@code kubectl run --image=strata} would run a client: with the
     * image's environment, {@code $STRATA} standing for the image's entrypoint. Returns its
     * stdout; fails with its output if it fails.
     */
    String runClient(String script, Duration timeout) {
        try {
            Path dir = Files.createDirectories(site.workDir().resolve("client"));
            Map<String, String> env = site.imageEnv(dir);
            env.put("STRATA_JAVA_OPTS", "-Xmx128m -XX:TieredStopAtLevel=1");
            env.put("STRATA", site.entrypoint().toString());
            Processes.Result r = Processes.run(List.of("sh", "-ec", script), env, null, dir, timeout);
            if (r.exit() != 0) {
                throw new AssertionError("client script exited " + r.exit() + ":\n" + script + "\nstdout:\n" + r.stdout()
                        + "\nstderr:\n" + r.stderr());
            }
            return r.stdout();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run a client script", e);
        }
    }

    /** Polls {@code condition} every 200 ms; fails with every Pod's state and log tail. */
    void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "\n"
                        + describe());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    String describe() {
        return pods.values().stream().map(LocalPod::describe).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        pods.values().forEach(LocalPod::kill);
    }
}
