package io.strata.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AcksTest {

    @Test
    void kafkaStyleValuesMapToProtoAcks() {
        assertEquals(io.strata.proto.Acks.ACKS_ALL, Acks.parse("all").toProto());
        assertEquals(io.strata.proto.Acks.ACKS_ALL, Acks.parse("-1").toProto());
        assertEquals(io.strata.proto.Acks.ACKS_LEADER, Acks.parse("1").toProto());
        assertEquals(io.strata.proto.Acks.ACKS_NONE, Acks.parse(" 0 ").toProto());
        assertEquals(Acks.ALL, Acks.parse("ALL"));
    }

    @Test
    void unknownValueIsRejectedNamingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Acks.parse("2"));
        assertEquals("acks must be one of all, 1, 0; was '2'", e.getMessage());
    }

    @Test
    void configRejectsBufferSmallerThanABatch() {
        assertThrows(IllegalArgumentException.class,
                () -> ProducerConfig.builder().bootstrap("127.0.0.1:1").batchMaxBytes(1000).bufferMaxBytes(999).build());
    }
}
