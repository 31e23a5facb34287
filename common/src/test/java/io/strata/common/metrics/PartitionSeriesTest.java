package io.strata.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PartitionSeriesTest {
    @Test
    void partitionsBeyondTheLimitShareTheOtherLabelUntilASlotIsReleased() {
        PartitionSeries series = new PartitionSeries(2);
        assertEquals("0", series.label("orders", 0));
        assertEquals("1", series.label("orders", 1));
        assertEquals("0", series.label("orders", 0), "asking again keeps the partition's own label");
        assertEquals(PartitionSeries.OTHER, series.label("orders", 2));
        assertEquals(PartitionSeries.OTHER, series.label("clicks", 0));
        series.release("orders", 1);
        assertEquals("0", series.label("clicks", 0));
    }

    @Test
    void aLimitOfZeroGivesNoPartitionItsOwnSeries() {
        assertEquals(PartitionSeries.OTHER, new PartitionSeries(0).label("orders", 0));
    }
}
