package io.strata.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart as helm renders it: {@code helm lint --strict}, every object of the default, the
 * multi-rack and the five-peer renders valid against the Kubernetes schemas, and the properties
 * an operator relies on — stable identities, disruption budgets, probes, security, optional
 * monitoring objects — read from the rendered objects themselves.
 */
class ChartRenderTest {
    private static final List<String> CI_VALUES = List.of("multi-rack-values.yaml", "five-peers-values.yaml");

    @Test
    void lintPassesStrictlyWithTheDefaultsAndEveryCiValuesFile() {
        List<List<String>> variants = new ArrayList<>();
        variants.add(List.of());
        CI_VALUES.forEach(f -> variants.add(List.of("--values", K8sTools.chartDir().resolve("ci").resolve(f).toString())));
        for (List<String> values : variants) {
            List<String> args = new ArrayList<>(List.of("lint", "--strict", K8sTools.chartDir().toString()));
            args.addAll(values);
            String out = K8sTools.helm(args.toArray(String[]::new));
            assertTrue(out.contains("1 chart(s) linted, 0 chart(s) failed"), "helm lint " + values + ":\n" + out);
        }
    }

    @Test
    void everyRenderedObjectMatchesTheKubernetesSchemas() {
        for (String values : Stream.concat(Stream.of((String) null), CI_VALUES.stream()).toList()) {
            Manifest m = values == null ? Chart.render() : Chart.render(values);
            String report = K8sTools.validate(m.text());
            long ok = report.lines().filter(l -> l.startsWith("ok ")).count();
            assertEquals(m.all().size(), ok, "objects validated with " + values + ":\n" + report);
        }
    }

    @Test
    void theSchemaCheckRefusesMisspeltFieldsAndWrongTypes() {
        String rendered = Chart.render().text();
        AssertionError misspelt = assertThrows(AssertionError.class,
                () -> K8sTools.validate(rendered.replaceFirst("imagePullPolicy:", "imagePullPolicyy:")));
        assertTrue(misspelt.getMessage().contains("imagePullPolicyy is not a field"), misspelt.getMessage());
        AssertionError wrongType = assertThrows(AssertionError.class,
                () -> K8sTools.validate(rendered.replaceFirst("containerPort: 9400", "containerPort: grpc")));
        assertTrue(wrongType.getMessage().contains("containerPort must be integer"), wrongType.getMessage());
    }

    @Test
    void metadataPeersHaveStableNamesBehindAHeadlessServiceAndTheirOwnVolume() {
        for (int peers : new int[] {3, 5}) {
            Manifest m = peers == 3 ? Chart.render() : Chart.render("five-peers-values.yaml");
            Manifest.Obj sts = m.get("StatefulSet", "strata-metadata");
            assertEquals(peers, sts.get("spec", "replicas"));
            assertEquals("strata-metadata", sts.string("spec", "serviceName"));
            Manifest.Obj svc = m.get("Service", "strata-metadata");
            assertEquals("None", svc.string("spec", "clusterIP"));
            assertEquals(true, svc.get("spec", "publishNotReadyAddresses"), "peers find each other before they are ready");

            String options = m.get("ConfigMap", "strata-config").string("data", "metadata.args");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < peers; i++) {
                String host = "strata-metadata-" + i + ".strata-metadata.events.svc.cluster.local";
                expected.add("strata-metadata-" + i + "=" + host + ":9411/" + host + ":9421");
            }
            assertTrue(options.contains("--peers=" + String.join(",", expected) + "\n"), options);
            assertTrue(options.contains("--data-dir=/var/lib/strata/"), options);

            Map<String, Object> container = container(sts);
            assertEquals(List.of("metadata", "@/etc/strata/metadata.args", "--id=$(STRATA_POD_NAME)"), container.get("args"));
            assertEquals("metadata.name", envField(container, "STRATA_POD_NAME"));
            assertEquals("/var/lib/strata", mountPath(container, "data"));
            assertEquals("data", sts.string("spec", "volumeClaimTemplates", 0, "metadata", "name"));
            assertDisruptionBudgetOfOne(m, sts);
        }
    }

    @Test
    void storageNodesTakeTheirIdFromTheOrdinalAndTheirRackFromATopologyLabel() {
        Manifest m = Chart.render("multi-rack-values.yaml");
        Manifest.Obj sts = m.get("StatefulSet", "strata-storage");
        assertEquals(6, sts.get("spec", "replicas"));
        Map<String, Object> container = container(sts);
        assertEquals(List.of("storage", "@/etc/strata/storage.args", "--node-id=$(STRATA_NODE_ID)",
                "--advertised=$(STRATA_POD_NAME).strata-storage.events.svc.cluster.local:9431", "--rack=$(STRATA_RACK)"),
                container.get("args"));
        assertEquals("metadata.labels['apps.kubernetes.io/pod-index']", envField(container, "STRATA_NODE_ID"));
        assertEquals("metadata.labels['topology.kubernetes.io/zone']", envField(container, "STRATA_RACK"));
        assertEquals("DoNotSchedule", sts.string("spec", "template", "spec", "topologySpreadConstraints", 0,
                "whenUnsatisfiable"), "the multi-rack values keep zones even");

        Map<String, Object> antiAffinity = sts.map("spec", "template", "spec", "affinity", "podAntiAffinity");
        Object term = Manifest.at(antiAffinity, "requiredDuringSchedulingIgnoredDuringExecution", 0);
        assertEquals("kubernetes.io/hostname", Manifest.at(term, "topologyKey"), "one storage node per machine");
        assertEquals(sts.map("spec", "selector", "matchLabels"), Manifest.at(term, "labelSelector", "matchLabels"));

        assertDisruptionBudgetOfOne(m, sts);
        assertEquals("Retain", sts.string("spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"));
        assertEquals("Retain", sts.string("spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"));
        long grace = ((Number) sts.get("spec", "template", "spec", "terminationGracePeriodSeconds")).longValue();
        assertTrue(grace >= 60, "a controlled shutdown gets a long grace period, not " + grace + " s");
        assertTrue(((Number) sts.get("spec", "minReadySeconds")).intValue() > 0, "a restarted node catches up first");

        Manifest noRacks = Chart.render(List.of(), Map.of("storage.rack.podLabel", ""));
        Map<String, Object> plain = container(noRacks.get("StatefulSet", "strata-storage"));
        assertFalse(plain.get("args").toString().contains("--rack"), plain.get("args").toString());
        assertNull(envField(plain, "STRATA_RACK"));
    }

    @Test
    void gatewaysAreProbedThroughGrpcHealthAndCanAutoscale() {
        Manifest m = Chart.render();
        Manifest.Obj deployment = m.get("Deployment", "strata-gateway");
        Map<String, Object> container = container(deployment);
        Object grpcPort = containerPort(container, "grpc");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertEquals(grpcPort, Manifest.at(container, probe, "grpc", "port"), probe + " checks gRPC health");
        }
        assertEquals("strata.ready", Manifest.at(container, "readinessProbe", "grpc", "service"));
        assertNull(Manifest.at(container, "livenessProbe", "grpc", "service"), "liveness asks for the whole server");
        assertEquals("grpc", m.get("Service", "strata-gateway").string("spec", "ports", 0, "targetPort"));
        assertEquals(2, deployment.get("spec", "replicas"));
        assertTrue(m.all("HorizontalPodAutoscaler").isEmpty(), "no autoscaler unless asked for");

        Manifest scaled = Chart.render("five-peers-values.yaml");
        Manifest.Obj hpa = scaled.get("HorizontalPodAutoscaler", "strata-gateway");
        assertEquals("strata-gateway", hpa.string("spec", "scaleTargetRef", "name"));
        assertNull(scaled.get("Deployment", "strata-gateway").get("spec", "replicas"), "the autoscaler owns replicas");
        assertEquals("LoadBalancer", scaled.get("Service", "strata-gateway").string("spec", "type"));
    }

    @Test
    void everyPodRunsAsTheImagesNonRootUserWithAReadOnlyRoot() {
        String imageUser = DockerImage.parse(K8sTools.repoRoot()).user().split(":")[0];
        for (Manifest.Obj workload : workloads(Chart.render())) {
            Map<String, Object> pod = workload.map("spec", "template", "spec");
            assertEquals(true, Manifest.at(pod, "securityContext", "runAsNonRoot"), workload.toString());
            assertEquals(imageUser, String.valueOf(Manifest.at(pod, "securityContext", "runAsUser")),
                    workload + " runs as the Dockerfile's USER");
            assertEquals(false, pod.get("automountServiceAccountToken"), workload + " needs no API token");
            Map<String, Object> container = container(workload);
            assertEquals(true, Manifest.at(container, "securityContext", "readOnlyRootFilesystem"), workload.toString());
            assertEquals(false, Manifest.at(container, "securityContext", "allowPrivilegeEscalation"), workload.toString());
            assertEquals(List.of("ALL"), Manifest.at(container, "securityContext", "capabilities", "drop"));
            assertEquals("/tmp", mountPath(container, "tmp"), workload + " has a writable /tmp");
            assertTrue(Manifest.at(container, "resources", "requests", "memory") != null, workload + " requests memory");
        }
    }

    @Test
    void aConfigChangeRollsThePodsOfItsRoleOnly() {
        Manifest before = Chart.render();
        Manifest after = Chart.render(List.of(), Map.of("storage.replicaLagMaxMs", "20000"));
        assertNotEquals(checksum(before, "StatefulSet", "strata-storage"), checksum(after, "StatefulSet", "strata-storage"));
        assertEquals(checksum(before, "StatefulSet", "strata-metadata"), checksum(after, "StatefulSet", "strata-metadata"));
        assertEquals(checksum(before, "Deployment", "strata-gateway"), checksum(after, "Deployment", "strata-gateway"));
    }

    @Test
    void theServiceMonitorScrapesEveryRoleWhenEnabled() {
        assertTrue(Chart.render().all("ServiceMonitor").isEmpty(), "off by default");
        Manifest m = Chart.render("five-peers-values.yaml");
        Manifest.Obj monitor = m.get("ServiceMonitor", "strata");
        assertEquals("metrics", monitor.string("spec", "endpoints", 0, "port"));
        assertEquals("/metrics", monitor.string("spec", "endpoints", 0, "path"));
        assertEquals("prometheus", monitor.string("metadata", "labels", "release"));
        for (String service : List.of("strata-metadata", "strata-storage", "strata-gateway-metrics")) {
            Manifest.Obj svc = m.get("Service", service);
            assertTrue(svc.list("spec", "ports").stream().anyMatch(p -> "metrics".equals(Manifest.at(p, "name"))
                    && Integer.valueOf(9464).equals(Manifest.at(p, "port"))), service + " exposes metrics");
            assertTrue(selects(monitor, svc), "the ServiceMonitor selects " + service);
        }
        assertFalse(selects(monitor, m.get("Service", "strata-gateway")), "the client-facing Service serves no metrics");
    }

    @Test
    void dashboardsInTheGrafanaFolderShipWithTheSidecarLabel(@TempDir Path dir) throws IOException {
        Path chart = dir.resolve("strata");
        copyChartWithoutGrafana(K8sTools.chartDir(), chart);
        Path dashboards = Files.createDirectories(chart.resolve("grafana").resolve("dashboards"));
        Files.writeString(dashboards.resolve("Strata Overview.json"), "{\"title\": \"Strata Overview\"}");
        Files.writeString(dashboards.resolve("storage.json"), "{\"title\": \"Storage\"}");

        assertTrue(Chart.render(chart, List.of(), Map.of()).all("ConfigMap").stream()
                .noneMatch(c -> c.name().contains("dashboard")), "off by default");
        Manifest m = Chart.render(chart, List.of(), Map.of("grafana.dashboards.enabled", "true"));
        Manifest.Obj overview = m.get("ConfigMap", "strata-dashboard-strata-overview");
        assertEquals("1", overview.string("metadata", "labels", "grafana_dashboard"));
        assertEquals("{\"title\": \"Strata Overview\"}", overview.string("data", "strata-overview.json"));
        assertEquals("{\"title\": \"Storage\"}", m.get("ConfigMap", "strata-dashboard-storage").string("data", "storage.json"));
        K8sTools.validate(m.text());
    }

    @Test
    void badValuesAreRefusedWithAMessageThatSaysWhatToChange() {
        assertTrue(Chart.renderFailure(Map.of("metadata.replicas", "4")).contains("value must be one of 3, 5"));
        assertTrue(Chart.renderFailure(Map.of("storage.replicaz", "4"))
                .contains("additional properties 'replicaz' not allowed"));
        assertTrue(Chart.renderFailure(Map.of("storage.antiAffinity", "always")).contains("value must be one of"));
        assertTrue(Chart.renderFailure(Map.of("gateway.autoscaling.enabled", "true", "gateway.autoscaling.minReplicas", "5",
                "gateway.autoscaling.maxReplicas", "3")).contains("lower minReplicas or raise maxReplicas"));
    }

    @Test
    void notesSayHowToReachTheGatewayAndProduceAndConsume() {
        String notes = Chart.notes(List.of(), Map.of());
        assertTrue(notes.contains("strata-gateway.events.svc.cluster.local:9400"), notes);
        assertTrue(notes.contains("kubectl -n events port-forward svc/strata-gateway 9400:9400"), notes);
        assertTrue(notes.contains("bin/strata produce orders") && notes.contains("bin/strata consume orders"), notes);
    }

    private static void assertDisruptionBudgetOfOne(Manifest m, Manifest.Obj workload) {
        Manifest.Obj pdb = m.get("PodDisruptionBudget", workload.name());
        assertEquals(1, pdb.get("spec", "maxUnavailable"), pdb.toString());
        assertEquals(workload.map("spec", "selector", "matchLabels"), pdb.map("spec", "selector", "matchLabels"));
    }

    private static boolean selects(Manifest.Obj monitor, Manifest.Obj service) {
        Map<String, Object> labels = service.map("metadata", "labels");
        boolean matchLabels = monitor.map("spec", "selector", "matchLabels").entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        boolean matchExpressions = monitor.list("spec", "selector", "matchExpressions").stream().allMatch(e ->
                ((List<?>) Manifest.at(e, "values")).contains(labels.get(Manifest.at(e, "key").toString())));
        return matchLabels && matchExpressions
                && service.list("spec", "ports").stream().anyMatch(p -> "metrics".equals(Manifest.at(p, "name")));
    }

    private static String checksum(Manifest m, String kind, String name) {
        return m.get(kind, name).string("spec", "template", "metadata", "annotations", "checksum/config");
    }

    private static List<Manifest.Obj> workloads(Manifest m) {
        List<Manifest.Obj> out = new ArrayList<>(m.all("StatefulSet"));
        out.addAll(m.all("Deployment"));
        assertEquals(3, out.size(), "metadata, storage and gateway workloads");
        return out;
    }

    private static Map<String, Object> container(Manifest.Obj workload) {
        List<Object> containers = workload.list("spec", "template", "spec", "containers");
        assertEquals(1, containers.size(), workload + " runs one container");
        return LocalPod.map(containers.get(0));
    }

    private static Object envField(Map<String, Object> container, String name) {
        return LocalPod.list(container, "env").stream().filter(e -> name.equals(Manifest.at(e, "name")))
                .map(e -> Manifest.at(e, "valueFrom", "fieldRef", "fieldPath")).findFirst().orElse(null);
    }

    private static Object mountPath(Map<String, Object> container, String volume) {
        return LocalPod.list(container, "volumeMounts").stream().filter(v -> volume.equals(Manifest.at(v, "name")))
                .map(v -> Manifest.at(v, "mountPath")).findFirst().orElse(null);
    }

    private static Object containerPort(Map<String, Object> container, String name) {
        return LocalPod.list(container, "ports").stream().filter(p -> name.equals(Manifest.at(p, "name")))
                .map(p -> Manifest.at(p, "containerPort")).findFirst().orElseThrow();
    }

    /** The chart's files, with its grafana link left out so the test can put dashboards there. */
    private static void copyChartWithoutGrafana(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("grafana")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to.resolve(rel.toString()));
                } else {
                    Files.copy(p, to.resolve(rel.toString()));
                }
            }
        }
    }
}
