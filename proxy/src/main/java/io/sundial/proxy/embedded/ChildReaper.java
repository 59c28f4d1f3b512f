package io.sundial.proxy.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The safeguard against orphan servers: one JVM shutdown hook that stops every {@link ChildJvm} still running
 * when this JVM exits (a test run aborted with Ctrl-C, a test that never closed its cluster, System.exit).
 *
 * <p>The hook sends SIGTERM to all of them at once, waits up to {@link #GRACE} for them to exit, then SIGKILLs
 * the rest. It cannot help when this JVM is killed with SIGKILL. Thread-safe.
 */
final class ChildReaper {
    static final Duration GRACE = Duration.ofSeconds(5);

    private static final Set<ChildJvm> RUNNING = ConcurrentHashMap.newKeySet();
    private static boolean hooked;

    private ChildReaper() {
    }

    /**
     * Tracks {@code jvm} until {@link #unregister}; installs the hook on first use.
     *
     * @return false if this JVM is already shutting down, so the caller must stop {@code jvm} itself
     */
    static boolean register(ChildJvm jvm) {
        synchronized (ChildReaper.class) {
            if (!hooked) {
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(ChildReaper::stopAll, "sundial-child-reaper"));
                } catch (IllegalStateException shuttingDown) {
                    return false;
                }
                hooked = true;
            }
        }
        RUNNING.add(jvm);
        return true;
    }

    static void unregister(ChildJvm jvm) {
        RUNNING.remove(jvm);
    }

    /** How many started servers are not stopped yet; for tests. */
    static int running() {
        return RUNNING.size();
    }

    private static void stopAll() {
        List<ChildJvm> left = new ArrayList<>(RUNNING);
        for (ChildJvm jvm : left) {
            jvm.terminate();
        }
        long deadline = System.nanoTime() + GRACE.toNanos();
        for (ChildJvm jvm : left) {
            long remaining = Math.max(0, deadline - System.nanoTime());
            jvm.awaitExit(Duration.ofNanos(remaining));
        }
    }
}
