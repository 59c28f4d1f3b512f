package io.sundial.proxy.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Keeps a command in the foreground until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes what it runs
 * in the order given, each even if an earlier one failed.
 */
final class Foreground {
    private Foreground() {
    }

    static void runUntilStopped(String name, AutoCloseable... inCloseOrder) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                for (AutoCloseable c : inCloseOrder) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        System.err.println(name + ": " + c + " did not stop cleanly: " + e);
                    }
                }
            } finally {
                stopped.countDown();
            }
        }, name + "-shutdown"));
        stopped.await();
    }
}
