package io.sundial.store.config;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for Sundial's own background threads: daemons, so that a missed close never keeps the JVM
 * alive, and named, so that a thread dump says whose each one is.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** Threads all called {@code name} (for a single-thread executor). */
    public static ThreadFactory named(String name) {
        return r -> daemon(r, name);
    }

    /** Threads called {@code prefix-1}, {@code prefix-2}, ... (for a pool). */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + "-" + n.incrementAndGet());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
