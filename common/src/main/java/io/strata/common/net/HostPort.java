package io.strata.common.net;

import io.strata.common.error.Errors;
import java.util.ArrayList;
import java.util.List;

/** A {@code host:port} address as it appears in configs and flags. */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) {
            throw Errors.invalid("address has no host");
        }
        if (port < 0 || port > 65535) {
            throw Errors.invalid("port " + port + " is outside 0..65535");
        }
    }

    /** Parses {@code host:port} (IPv6 hosts in brackets: {@code [::1]:9400}). */
    public static HostPort parse(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw Errors.invalid("'" + text + "' is not a HOST:PORT address");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new HostPort(host, Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw Errors.invalid("'" + text + "' has a port that is not a number");
        }
    }

    /** Parses a comma-separated list of addresses. */
    public static List<HostPort> parseList(String text) {
        List<HostPort> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        if (out.isEmpty()) {
            throw Errors.invalid("no address given");
        }
        return out;
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
