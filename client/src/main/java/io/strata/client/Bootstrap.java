package io.strata.client;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The address of a Strata gateway ({@code HOST:PORT}) and the rule that chooses it.
 *
 * <p>Resolution order, first match wins: an explicit value (the CLI's {@code --bootstrap}
 * flag or a client config), the {@value #ENV_VAR} environment variable, then
 * {@value #DEFAULT_ADDRESS} (the gateway of a local {@code strata dev} cluster).
 *
 * <p>Immutable and thread-safe.
 *
 * @param host host name or IP literal (IPv6 literals are written {@code [::1]:9400})
 * @param port TCP port, 1..65535
 */
public record Bootstrap(String host, int port) {

    /** The gateway address of the local dev cluster. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1:9400";

    /** Environment variable that overrides {@link #DEFAULT_ADDRESS}. */
    public static final String ENV_VAR = "STRATA_BOOTSTRAP";

    public Bootstrap {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("bootstrap host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bootstrap port " + port + " is outside 1..65535");
        }
    }

    /** Resolves from {@code explicit} (may be null or blank), then the process environment, then the default. */
    public static Bootstrap resolve(String explicit) {
        return resolve(explicit, System::getenv);
    }

    /** As {@link #resolve(String)}, reading environment variables through {@code env} (for tests). */
    public static Bootstrap resolve(String explicit, Function<String, String> env) {
        if (explicit != null && !explicit.isBlank()) {
            return parse(explicit);
        }
        String fromEnv = env.apply(ENV_VAR);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return parse(fromEnv);
        }
        return parse(DEFAULT_ADDRESS);
    }

    /** As {@link #resolve(String, Function)} with a fixed environment map. */
    public static Bootstrap resolve(String explicit, Map<String, String> env) {
        return resolve(explicit, env::get);
    }

    /**
     * Parses {@code HOST:PORT} (or {@code [IPV6]:PORT}).
     *
     * @throws IllegalArgumentException naming the bad input when it is not of that form
     */
    public static Bootstrap parse(String address) {
        Objects.requireNonNull(address, "address");
        String s = address.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException(
                    "bootstrap address '" + address + "' is not of the form HOST:PORT (e.g. " + DEFAULT_ADDRESS + ")");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException(
                    "bootstrap address '" + address + "': write IPv6 hosts in brackets, e.g. [::1]:9400");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "bootstrap address '" + address + "' has a non-numeric port '" + s.substring(colon + 1) + "'");
        }
        return new Bootstrap(host, port);
    }

    /** {@code HOST:PORT}, with IPv6 hosts in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
