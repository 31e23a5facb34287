package io.strata.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConsumerConfigTest {

    @Test
    void aPollRequestAsksForFetchMaxRecordsButNeverFewerThanOnePollReturns() {
        assertEquals(2000, ConsumerConfig.builder("g").build().fetchMaxRecords());
        assertEquals(5000, ConsumerConfig.builder("g").maxPollRecords(5000).build().fetchMaxRecords());
        assertEquals(10, ConsumerConfig.builder("g").maxPollRecords(1).fetchMaxRecords(10).build().fetchMaxRecords());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConsumerConfig.builder("g").fetchMaxRecords(0).build());
        assertTrue(e.getMessage().contains("fetch.max.records"), e.getMessage());
    }

    @Test
    void twoPollRequestsTravelAtOnceUnlessConfiguredOtherwise() {
        assertEquals(2, ConsumerConfig.builder("g").build().fetchMaxInFlight());
        assertEquals(1, ConsumerConfig.builder("g").fetchMaxInFlight(1).build().fetchMaxInFlight());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConsumerConfig.builder("g").fetchMaxInFlight(0).build());
        assertTrue(e.getMessage().contains("fetch.max.in.flight"), e.getMessage());
    }
}
