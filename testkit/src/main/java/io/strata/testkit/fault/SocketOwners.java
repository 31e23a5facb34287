package io.strata.testkit.fault;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Finds which local process owns the client end of a loopback TCP connection, from Linux's
 * {@code /proc/net/tcp{,6}} (socket inode by local and remote port) and {@code /proc/<pid>/fd}
 * (which process holds that inode). The {@link TcpProxy} uses it to tell the members' connections
 * apart, since every member connects from 127.0.0.1. Linux only; needs permission to read the
 * candidates' fd tables (the same user, or root).
 */
final class SocketOwners {
    private SocketOwners() {
    }

    /**
     * Among {@code candidates}, the pid holding the socket whose local port is {@code clientPort}
     * and remote port {@code serverPort}; empty when none does (or it already closed).
     */
    static OptionalLong owner(int clientPort, int serverPort, List<Long> candidates) {
        String inode = inode(clientPort, serverPort);
        if (inode == null) {
            return OptionalLong.empty();
        }
        String target = "socket:[" + inode + "]";
        for (long pid : candidates) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().equals(target)) {
                            return OptionalLong.of(pid);
                        }
                    } catch (IOException e) {
                        // The descriptor closed while we looked: not the one.
                    }
                }
            } catch (IOException e) {
                // The process exited: not the owner.
            }
        }
        return OptionalLong.empty();
    }

    private static String inode(int localPort, int remotePort) {
        String local = ":" + String.format(Locale.ROOT, "%04X", localPort);
        String remote = ":" + String.format(Locale.ROOT, "%04X", remotePort);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(local) && f[2].endsWith(remote)) {
                        return f[9];
                    }
                }
            } catch (IOException e) {
                // No such table (e.g. IPv6 disabled): look in the other one.
            }
        }
        return null;
    }
}
