package io.strata.cli.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyValueLineTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void withoutSeparatorTheWholeLineIsTheValueAndTheKeyIsNull() {
        KeyValueLine kv = KeyValueLine.parse("a:b:c", null, 1);
        assertNull(kv.key());
        assertArrayEquals(utf8("a:b:c"), kv.value());
    }

    @Test
    void lineIsSplitAtTheFirstSeparatorOnly() {
        KeyValueLine kv = KeyValueLine.parse("user-1:{\"a\":1}", ":", 1);
        assertArrayEquals(utf8("user-1"), kv.key());
        assertArrayEquals(utf8("{\"a\":1}"), kv.value());
    }

    @Test
    void multiCharacterSeparatorAndEmptyKeyOrValueAreAllowed() {
        KeyValueLine kv = KeyValueLine.parse("k=>v=>w", "=>", 1);
        assertArrayEquals(utf8("k"), kv.key());
        assertArrayEquals(utf8("v=>w"), kv.value());
        assertArrayEquals(new byte[0], KeyValueLine.parse("\tv", "\t", 1).key());
        assertArrayEquals(new byte[0], KeyValueLine.parse("k\t", "\t", 1).value());
    }

    @Test
    void nonAsciiTextIsEncodedAsUtf8() {
        KeyValueLine kv = KeyValueLine.parse("clé:värde", ":", 1);
        assertArrayEquals(utf8("clé"), kv.key());
        assertArrayEquals(utf8("värde"), kv.value());
    }

    @Test
    void lineWithoutTheConfiguredSeparatorIsAnErrorNamingTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeyValueLine.parse("no separator here", ":", 7));
        assertTrue(e.getMessage().startsWith("line 7 has no key separator ':'"), e.getMessage());
    }

    @Test
    void formatPrintsValueOrKeyTabValueWithNullsSpelledOut() {
        assertEquals("v", KeyValueLine.format(utf8("k"), utf8("v"), false));
        assertEquals("k\tv", KeyValueLine.format(utf8("k"), utf8("v"), true));
        assertEquals("null\tnull", KeyValueLine.format(null, null, true));
    }
}
