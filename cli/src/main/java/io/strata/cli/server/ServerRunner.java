package io.strata.cli.server;

import java.util.concurrent.CountDownLatch;

/** Keeps a server process alive until SIGTERM/Ctrl-C, then closes what it started. */
final class ServerRunner {
    private ServerRunner() {
    }

    /** Blocks until the JVM is asked to stop; {@code server} is closed by the shutdown hook. */
    static int runUntilStopped(AutoCloseable server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(ServerRunner.class).warn("unclean shutdown", e);
            } finally {
                stopped.countDown();
            }
        }, "strata-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
