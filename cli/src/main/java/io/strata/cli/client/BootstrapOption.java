package io.strata.cli.client;

import io.strata.client.Bootstrap;
import picocli.CommandLine.Option;

/**
 * The {@code --bootstrap HOST:PORT} option shared by every client command (a picocli mixin).
 * Resolution is {@link Bootstrap#resolve(String)}: the flag, then {@code STRATA_BOOTSTRAP}, then
 * {@value Bootstrap#DEFAULT_ADDRESS}. Not thread-safe (filled in by picocli, read once).
 */
public class BootstrapOption {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Gateway address. Default: $" + Bootstrap.ENV_VAR + ", else " + Bootstrap.DEFAULT_ADDRESS + ".")
    String address;

    /** The gateway to talk to. @throws IllegalArgumentException when the address is malformed */
    public Bootstrap resolve() {
        return Bootstrap.resolve(address);
    }
}
