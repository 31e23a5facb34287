package io.strata.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapTest {

    @Test
    void explicitAddressWinsOverEnvironmentAndDefault() {
        Bootstrap b = Bootstrap.resolve("gw.example:7000", Map.of(Bootstrap.ENV_VAR, "env-host:8000"));
        assertEquals(new Bootstrap("gw.example", 7000), b);
    }

    @Test
    void environmentVariableWinsOverDefault() {
        Bootstrap b = Bootstrap.resolve(null, Map.of(Bootstrap.ENV_VAR, "env-host:8000"));
        assertEquals(new Bootstrap("env-host", 8000), b);
    }

    @Test
    void blankFlagAndMissingEnvironmentFallBackToDevClusterGateway() {
        assertEquals(new Bootstrap("127.0.0.1", 9400), Bootstrap.resolve("  ", Map.of()));
        assertEquals("127.0.0.1:9400", Bootstrap.resolve(null, Map.of()).toString());
    }

    @Test
    void ipv6LiteralInBracketsIsParsedAndPrintedBack() {
        Bootstrap b = Bootstrap.parse("[::1]:9400");
        assertEquals("::1", b.host());
        assertEquals(9400, b.port());
        assertEquals("[::1]:9400", b.toString());
    }

    @Test
    void malformedAddressesAreRejectedWithTheInputInTheMessage() {
        IllegalArgumentException noPort = assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse("localhost"));
        assertTrue(noPort.getMessage().contains("'localhost'"), noPort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse("localhost:"));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse("localhost:abc"));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse("localhost:70000"));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse(":9400"));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse("::1:9400"));
    }
}
