package io.strata.common.metrics;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Replaces every series of a multi-gauge with a fresh set of values (series no longer present vanish). */
public final class GaugeRows {
    private GaugeRows() {
    }

    public static void publish(MultiGauge gauge, Map<Tags, Double> values) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>(values.size());
        values.forEach((tags, v) -> rows.add(MultiGauge.Row.of(tags, v)));
        gauge.register(rows, true);
    }
}
