package io.sundial.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadTicksTest {
    /** A /proc/PID/task/TID/stat line: utime 250 and stime 30 are fields 14 and 15. */
    private static final String STAT = "4242 (C2 Compiler) (x)) S 1 4200 4200 0 -1 4194624 1000 0 0 0 250 30 0 0 20 0 "
            + "57 0 123456 0 0";

    @Test
    void shouldGroupThreadsByNameWithoutDigitsAndSumUserAndSystemTicks() {
        assertEquals("CN_Compiler___x_", ThreadTicks.group(STAT));
        assertEquals(280, ThreadTicks.ticks(STAT));
        assertEquals("sundial-timer-dispatch-N",
                ThreadTicks.group("7 (sundial-timer-dispatch-12) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 0 0"));
    }

    @Test
    void shouldReadThisProcesssThreadsByTheirNames() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        Thread probe = new Thread(() -> {
            try {
                seen.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ticks-probe-7");
        probe.start();
        try {
            Map<String, Long> groups = ThreadTicks.of(ProcessHandle.current().pid());
            assertTrue(groups.containsKey("ticks-probe-N"), groups.toString());
            assertTrue(groups.values().stream().mapToLong(Long::longValue).sum() > 0, "this JVM has used some CPU");
        } finally {
            seen.countDown();
            probe.join();
        }
    }
}
