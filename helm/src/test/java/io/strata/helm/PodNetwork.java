package io.strata.helm;

import io.strata.common.net.FreePorts;
import io.strata.common.net.HostPort;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for the cluster network on one machine. In Kubernetes every Pod has its own IP, so
 * all storage nodes listen on the same port and peers reach each other by stable DNS names. Here
 * all Pods share 127.0.0.1, so each (Pod, container port) gets its own free loopback port, and
 * addresses in a Pod's arguments are rewritten: {@code <pod DNS name>:PORT} to that Pod's port,
 * {@code 0.0.0.0:PORT} (listen on every interface) to the Pod's own. A port the Pod does not
 * declare as a containerPort is an error: the chart would be pointing at nothing. Not thread-safe.
 */
final class PodNetwork {
    private static final Pattern ADDRESS = Pattern.compile("([A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})\\b");

    private final Map<String, String> podByDnsName = new HashMap<>();
    private final Map<String, Set<Integer>> declaredPorts = new HashMap<>();
    private final Map<String, HostPort> assigned = new LinkedHashMap<>();
    private final Deque<Integer> freePorts = new ArrayDeque<>();

    /**
     * @param dnsName the Pod's stable name ({@code pod.service.namespace.svc.domain}), or null
     */
    void addPod(String pod, String dnsName, Set<Integer> containerPorts) {
        if (dnsName != null) {
            podByDnsName.put(dnsName, pod);
        }
        declaredPorts.put(pod, Set.copyOf(containerPorts));
    }

    /** The loopback address standing in for port {@code port} of Pod {@code pod}. */
    HostPort address(String pod, int port) {
        Set<Integer> ports = declaredPorts.get(pod);
        if (ports == null) {
            throw new AssertionError("no Pod " + pod + " (Pods: " + declaredPorts.keySet() + ")");
        }
        if (!ports.contains(port)) {
            throw new AssertionError("the chart uses port " + port + " of Pod " + pod
                    + ", which declares only the container ports " + ports);
        }
        return assigned.computeIfAbsent(pod + ":" + port, k -> new HostPort("127.0.0.1", nextFreePort()));
    }

    /** {@code text} with every Pod address, and every wildcard listen address of {@code self}, moved to loopback. */
    String rewrite(String text, String self) {
        Matcher m = ADDRESS.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String host = m.group(1);
            int port = Integer.parseInt(m.group(2));
            String pod = host.equals("0.0.0.0") ? self : podByDnsName.get(host);
            String replacement = pod == null ? m.group() : address(pod, port).toString();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Every Pod DNS name this network knows. */
    List<String> dnsNames() {
        return List.copyOf(podByDnsName.keySet());
    }

    private int nextFreePort() {
        if (freePorts.isEmpty()) {
            for (int p : FreePorts.find(16)) {
                freePorts.add(p);
            }
        }
        int port = freePorts.poll();
        if (assigned.values().stream().anyMatch(a -> a.port() == port)) {
            return nextFreePort();
        }
        return port;
    }
}
