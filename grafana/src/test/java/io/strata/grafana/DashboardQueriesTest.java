package io.strata.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import io.strata.client.Bootstrap;
import io.strata.client.StrataClientException;
import io.strata.client.admin.StrataAdmin;
import io.strata.client.consumer.ConsumerConfig;
import io.strata.client.consumer.OffsetReset;
import io.strata.client.consumer.StrataConsumer;
import io.strata.client.producer.ProducerConfig;
import io.strata.client.producer.ProducerRecord;
import io.strata.client.producer.StrataProducer;
import io.strata.testkit.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every dashboard shows real data: a cluster in this JVM serves /metrics for each
 * member, a real Prometheus scrapes them, a producer, a consumer group (which commits) and a bad
 * request make load, and then every panel's PromQL — with each dashboard variable set to a value
 * its own label_values() query finds — is run through Prometheus's query API. Each must parse
 * and return at least one series. Before that, a few values are checked against what the load
 * did (records produced, committed offsets, server-side group lag). Fails, rather than skips,
 * when Prometheus is not installed.
 */
class DashboardQueriesTest {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    /** What Grafana's $__rate_interval becomes at a 1 s scrape interval, with room for a loaded machine. */
    private static final String RATE_INTERVAL = "30s";

    @TempDir
    Path dir;

    @Test
    void everyPanelQueryReturnsSeriesFromRealPrometheus() throws Exception {
        PrometheusProcess.require("prometheus");
        try (LocalCluster cluster = LocalCluster.builder().dataDir(dir.resolve("cluster")).metrics(true).build().start()) {
            Map<String, String> urls = cluster.metricsUrls();
            assertEquals(7, urls.size(), "3 metadata peers, 3 storage nodes and a gateway serve metrics: " + urls);
            try (PrometheusProcess prometheus = PrometheusProcess.start(dir, urls)) {
                Bootstrap bootstrap = Bootstrap.parse(cluster.gatewayAddress().toString());
                try (StrataAdmin admin = new StrataAdmin(bootstrap, Duration.ofSeconds(30));
                     StrataProducer producer = new StrataProducer(ProducerConfig.builder().bootstrap(bootstrap).build());
                     StrataConsumer consumer = new StrataConsumer(ConsumerConfig.builder(GROUP).bootstrap(bootstrap)
                             .autoOffsetReset(OffsetReset.EARLIEST).build())) {
                    admin.createTopic(TOPIC, 3, 3, Map.of());
                    produce(producer, 300);
                    consumer.subscribe(List.of(TOPIC));
                    consumeAndCommit(consumer, 300);
                    produce(producer, 100);
                    // A bad request, so the error panels have a non-OK status to show.
                    assertThrows(StrataClientException.class, () -> admin.describeTopic("no-such-topic"));
                    // Group series come from the metadata leader once it has heard the storage nodes' high
                    // watermarks; wait until Prometheus has scraped them and every target is up.
                    awaitSeries(prometheus, "strata_storage_follower_lag_records");
                    // The numbers are the cluster's: 300 of 400 records committed leaves a lag of 100,
                    // computed by the metadata leader from the high watermarks in heartbeats.
                    awaitValue(prometheus, "sum(strata_group_lag_records{group=\"" + GROUP + "\"})", 100);
                    awaitValue(prometheus, "sum(strata_group_committed_offset{group=\"" + GROUP + "\"})", 300);
                    awaitValue(prometheus, "max(strata_group_members{group=\"" + GROUP + "\"})", 1);
                    awaitValue(prometheus, "sum(max by (partition) (strata_storage_high_watermark{topic=\"" + TOPIC
                            + "\"}))", 400);
                    double produced = value(prometheus, "sum(strata_storage_produced_records_total{topic=\"" + TOPIC
                            + "\"})");
                    assertTrue(produced >= 400, "leaders counted " + produced + " appended records, at least 400");
                    double fetched = value(prometheus, "sum(strata_storage_fetched_records_total{topic=\"" + TOPIC
                            + "\"})");
                    assertTrue(fetched >= 300 + 2 * 400, "consumer and followers fetched " + fetched + " records");
                    Thread.sleep(3_000);  // a few more scrapes, so every rate() window has two samples
                    List<String> health = prometheus.targetHealth();
                    assertTrue(health.stream().allMatch(h -> h.contains("=up")), "every target scraped: " + health);
                    checkEveryDashboard(prometheus);
                }
            }
        }
    }

    private static void produce(StrataProducer producer, int records) {
        for (int i = 0; i < records; i++) {
            producer.send(ProducerRecord.of(TOPIC, ("key-" + i % 17).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    private static void consumeAndCommit(StrataConsumer consumer, int records) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int seen = 0;
        while (seen < records && System.nanoTime() < deadline) {
            seen += consumer.poll(Duration.ofMillis(500)).size();
            consumer.commitSync();
        }
        assertTrue(seen >= records, "consumed " + seen + " of " + records + " records within 60 s");
    }

    private static void awaitSeries(PrometheusProcess prometheus, String promql) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!results(prometheus.query(promql)).isEmpty()) {
                return;
            }
            Thread.sleep(500);
        }
        fail("Prometheus has no series for " + promql + " after 60 s; targets: " + prometheus.targetHealth());
    }

    /** Waits until the single-series query {@code promql} equals {@code expected}. */
    private static void awaitValue(PrometheusProcess prometheus, String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double last = Double.NaN;
        while (System.nanoTime() < deadline) {
            last = value(prometheus, promql);
            if (last == expected) {
                return;
            }
            Thread.sleep(500);
        }
        fail(promql + " is " + last + ", expected " + expected + " within 60 s");
    }

    /** The value of a query answering one series, NaN when it answers none. */
    private static double value(PrometheusProcess prometheus, String promql) throws Exception {
        List<?> result = results(prometheus.query(promql));
        if (result.isEmpty()) {
            return Double.NaN;
        }
        return Double.parseDouble(((JsonObject) result.get(0)).getAsJsonArray("value").get(1).getAsString());
    }

    private static List<?> results(JsonObject answer) {
        List<Object> out = new ArrayList<>();
        if ("success".equals(answer.get("status").getAsString())) {
            answer.getAsJsonObject("data").getAsJsonArray("result").forEach(out::add);
        }
        return out;
    }

    private static void checkEveryDashboard(PrometheusProcess prometheus) throws Exception {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        List<Path> files = Dashboards.files();
        assertEquals(6, files.size(), "the six dashboards of grafana/dashboards: " + files);
        for (Path file : files) {
            Map<String, String> values = new LinkedHashMap<>();
            values.put("__rate_interval", RATE_INTERVAL);
            for (Dashboards.Variable v : Dashboards.variables(file)) {
                List<String> found = prometheus.labelValues(v.metric(), v.label());
                if (found.isEmpty()) {
                    failures.add(v.dashboard() + ": variable $" + v.name() + " (label_values(" + v.metric() + ", "
                            + v.label() + ")) lists nothing");
                } else {
                    values.put(v.name(), found.get(0));
                }
            }
            for (Dashboards.Query q : Dashboards.queries(file)) {
                String expr = substitute(q.expr(), values);
                JsonObject answer = prometheus.query(expr);
                checked++;
                if (!"success".equals(answer.get("status").getAsString())) {
                    failures.add(q + " -> " + answer.get("errorType") + ": " + answer.get("error"));
                } else if (results(answer).isEmpty()) {
                    failures.add(q + " -> no series (ran " + expr + ")");
                }
            }
        }
        assertTrue(checked >= 50, "ran " + checked + " panel queries");
        assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " panel queries failed:\n"
                + String.join("\n", failures));
    }

    /** Replaces $name and ${name} by the chosen values (longest names first, so $topic does not eat $topics). */
    static String substitute(String expr, Map<String, String> values) {
        String out = expr;
        List<String> names = new ArrayList<>(values.keySet());
        names.sort((a, b) -> b.length() - a.length());
        for (String name : names) {
            out = out.replace("${" + name + "}", values.get(name)).replace("$" + name, values.get(name));
        }
        assertFalse(out.contains("$"), "a variable in '" + expr + "' has no value: " + out);
        return out;
    }
}
