package io.strata.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of one service: its own Prometheus registry (one per service, not a global one,
 * so that an in-JVM cluster keeps every member apart), JVM and process meters, the gRPC
 * interceptors, and the {@code /metrics} endpoint when the settings ask for one. Every meter
 * carries the labels {@code service} (metadata, storage, gateway) and {@code node}.
 * Thread-safe.
 */
public final class ServiceMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceMetrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MetricsSettings settings;
    private final String service;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();
    private final GrpcMetrics grpc;
    private final PartitionSeries partitions;
    private MetricsEndpoint endpoint;

    public ServiceMetrics(String service, String node, MetricsSettings settings) {
        this.settings = settings;
        this.service = service;
        registry.config().commonTags("service", service, "node", node);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        heapPressure.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        this.grpc = new GrpcMetrics(registry);
        this.partitions = new PartitionSeries(settings.partitionSeriesLimit());
    }

    /** Serves {@code /metrics} if the settings ask for it; returns this. */
    public ServiceMetrics start() {
        if (settings.enabled() && endpoint == null) {
            endpoint = MetricsEndpoint.start(settings.host(), settings.port(), registry);
            log.info("{} metrics at {}", service, url());
        }
        return this;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public GrpcMetrics grpc() {
        return grpc;
    }

    /** Decides which partitions get series of their own (see {@link MetricsSettings#partitionSeriesLimit}). */
    public PartitionSeries partitions() {
        return partitions;
    }

    /** The scrape URL, or empty when no endpoint runs. A wildcard bind is shown as 127.0.0.1. */
    public String url() {
        if (endpoint == null) {
            return "";
        }
        String host = "0.0.0.0".equals(settings.host()) ? "127.0.0.1" : settings.host();
        return "http://" + host + ":" + endpoint.port() + "/metrics";
    }

    /** The page Prometheus would scrape now (for tests and diagnostics). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
        gc.close();
        heapPressure.close();
        registry.close();
    }
}
