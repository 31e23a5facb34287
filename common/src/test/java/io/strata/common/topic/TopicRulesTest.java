package io.strata.common.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicRulesTest {
    @Test
    void kafkaTopicNamesAreAccepted() {
        TopicNames.validate("orders");
        TopicNames.validate("a.b_c-D9");
        TopicNames.validate("x".repeat(249));
    }

    @Test
    void badTopicNamesAreRejectedNamingTheRule() {
        for (String bad : new String[] {"", ".", "..", "a/b", "with space", "é", "x".repeat(250)}) {
            StrataException e = assertThrows(StrataException.class, () -> TopicNames.validate(bad), bad);
            assertEquals(ErrorReason.INVALID_TOPIC_NAME, e.reason());
            assertTrue(!e.getMessage().isEmpty());
        }
        assertTrue(assertThrows(StrataException.class, () -> TopicNames.validate("a/b")).getMessage().contains("'/'"));
    }

    @Test
    void configsAreCheckedByKeyAndValue() {
        TopicConfig.validate(Map.of("min.insync.replicas", "2", "flush", "interval:100", "retention.ms", "-1"));
        assertThrows(StrataException.class, () -> TopicConfig.validate(Map.of("no.such.key", "1")));
        assertThrows(StrataException.class, () -> TopicConfig.validate(Map.of("min.insync.replicas", "0")));
        assertThrows(StrataException.class, () -> TopicConfig.validate(Map.of("flush", "sometimes")));
        assertThrows(StrataException.class, () -> TopicConfig.validate(Map.of("retention.ms", "soon")));
    }

    @Test
    void effectiveConfigsFillDefaults() {
        Map<String, String> all = TopicConfig.effective(Map.of("flush", "os"));
        assertEquals("os", all.get("flush"));
        assertEquals("1", all.get("min.insync.replicas"));
        assertEquals(TopicConfig.values().length, all.size());
    }
}
