package io.strata.cli.client;

import io.strata.proto.ClusterDescription;
import io.strata.proto.MetadataPeerDescription;
import io.strata.proto.NodeDescription;
import java.util.Comparator;

/**
 * Renders a {@link ClusterDescription} as {@code strata cluster describe} prints it: the controller
 * (the metadata Raft leader, which runs leases, fencing and leader election), a table of storage
 * nodes, then a table of metadata peers. Stateless and thread-safe.
 */
public final class ClusterTable {

    private ClusterTable() {
    }

    public static String format(ClusterDescription cluster) {
        String controller = cluster.getMetadataPeersList().stream()
                .filter(p -> p.getRole().equals("LEADER")).map(MetadataPeerDescription::getId)
                .findFirst().orElse("none (no metadata leader right now)");
        long alive = cluster.getNodesList().stream().filter(n -> n.getState().equals("ALIVE")).count();
        StringBuilder sb = new StringBuilder();
        sb.append("Controller: ").append(controller)
                .append("  StorageNodes: ").append(cluster.getNodesCount()).append(" (").append(alive).append(" alive)")
                .append("  MetadataPeers: ").append(cluster.getMetadataPeersCount()).append('\n');
        TextTable nodes = new TextTable("NODE", "ADDRESS", "RACK", "STATE");
        cluster.getNodesList().stream().sorted(Comparator.comparingInt(NodeDescription::getId))
                .forEach(n -> nodes.row(Integer.toString(n.getId()), n.getAddress(),
                        n.getRack().isEmpty() ? "-" : n.getRack(), n.getState()));
        sb.append(nodes.render());
        TextTable peers = new TextTable("METADATA-PEER", "ADDRESS", "ROLE");
        cluster.getMetadataPeersList().stream().sorted(Comparator.comparing(MetadataPeerDescription::getId))
                .forEach(p -> peers.row(p.getId(), p.getAddress(), p.getRole()));
        sb.append(peers.render());
        return sb.toString();
    }
}
