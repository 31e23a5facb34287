package io.strata.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.strata.common.net.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the {@code prometheus} binary of the Debian package) on loopback,
 * scraping the given {@code /metrics} URLs every second with a generated configuration that
 * {@code promtool check config} has accepted. Its data and log live in a test directory.
 */
final class PrometheusProcess implements AutoCloseable {
    static final String INSTALL_HINT = "install it: apt-get install -y --no-install-recommends prometheus"
            + " (.ci/run does this when it is missing)";

    private final Process process;
    private final String base;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Process process, String base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    /** Path of {@code tool} on the PATH; fails the test (not skips it) when it is not installed. */
    static Path require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("'" + tool + "' is not on the PATH; " + INSTALL_HINT);
    }

    /** The scrape configuration: one target per member, labelled with its name. */
    static String scrapeConfig(Map<String, String> metricsUrls) {
        StringBuilder yaml = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                + "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: strata\n    metrics_path: /metrics\n"
                + "    static_configs:\n");
        metricsUrls.forEach((member, url) -> {
            URI uri = URI.create(url);
            yaml.append("      - targets: ['").append(uri.getHost()).append(':').append(uri.getPort()).append("']\n")
                    .append("        labels: {member: '").append(member).append("'}\n");
        });
        return yaml.toString();
    }

    /** Writes the configuration, checks it with promtool and starts Prometheus on it. */
    static PrometheusProcess start(Path dir, Map<String, String> metricsUrls) throws IOException, InterruptedException {
        Path prometheus = require("prometheus");
        Path promtool = require("promtool");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, scrapeConfig(metricsUrls));
        Process check = new ProcessBuilder(promtool.toString(), "check", "config", config.toString())
                .redirectErrorStream(true).start();
        String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), "promtool check config rejected the generated config:\n" + checkOutput);

        int port = FreePorts.find(1)[0];
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusProcess p = new PrometheusProcess(process, "http://127.0.0.1:" + port, log);
        p.awaitReady();
        return p;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("prometheus exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("prometheus was not ready within 60 s:\n" + Files.readString(log));
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(20))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Runs an instant query; answers Prometheus's JSON (status, data.result or error). */
    JsonObject query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** The values of {@code label} on series of {@code metric}, as a Grafana label_values() variable lists them. */
    List<String> labelValues(String metric, String label) throws IOException, InterruptedException {
        JsonObject answer = JsonParser.parseString(get("/api/v1/label/" + label + "/values?match[]="
                + URLEncoder.encode(metric, StandardCharsets.UTF_8)).body()).getAsJsonObject();
        List<String> values = new ArrayList<>();
        if (answer.has("data")) {
            answer.getAsJsonArray("data").forEach(v -> values.add(v.getAsString()));
        }
        return values;
    }

    /** Every scrape target's health, e.g. "storage-1=up". */
    List<String> targetHealth() throws IOException, InterruptedException {
        JsonObject answer = JsonParser.parseString(get("/api/v1/targets").body()).getAsJsonObject();
        List<String> out = new ArrayList<>();
        answer.getAsJsonObject("data").getAsJsonArray("activeTargets").forEach(t -> {
            JsonObject target = t.getAsJsonObject();
            out.add(target.getAsJsonObject("labels").get("member").getAsString() + "="
                    + target.get("health").getAsString()
                    + (target.get("lastError").getAsString().isEmpty() ? "" : " (" + target.get("lastError").getAsString() + ")"));
        });
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
