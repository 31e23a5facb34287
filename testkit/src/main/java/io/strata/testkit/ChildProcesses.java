package io.strata.testkit;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kills every process this JVM started, and their children, when it exits: a test run stopped
 * midway (Ctrl-C, a killed surefire fork) must not leave clusters or Pods running and holding
 * ports and CPU. Nothing can run on SIGKILL, though.
 */
public final class ChildProcesses {
    private static final AtomicBoolean REGISTERED = new AtomicBoolean();

    private ChildProcesses() {
    }

    /** Registers the exit hook (once per JVM; later calls do nothing). */
    public static void killOnExit() {
        if (REGISTERED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(
                    () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly),
                    "kill-child-processes"));
        }
    }
}
