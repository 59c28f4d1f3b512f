package io.sundial.store;

import ch.qos.logback.classic.Level;
import io.sundial.store.index.DueEntry;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The disk's free space, injected, falls below {@code minFreeDiskBytes}: new timers are refused with a clear
 * message while pending ones are still acknowledged and cancelled; when space returns, timers are accepted again
 * without a restart.
 */
class FullDiskTest {
    private static final long GB = 1L << 30;

    @TempDir
    Path dir;

    @Test
    void shouldRefuseNewTimersBelowTheHeadroomAndAcceptThemAgainWhenSpaceReturns() throws Exception {
        AtomicLong free = new AtomicLong(10 * GB);
        ManualClock clock = StoreFixture.clock();
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir).withMinFreeDiskBytes(GB), clock,
                free::get)) {
            for (int i = 0; i < 3; i++) {
                store.append(TestMessages.message("Full", "before-" + i), StoreFixture.T0 + 60_000 + i)
                        .get(10, TimeUnit.SECONDS);
            }

            free.set(GB / 2);
            clock.advance(1_001); // the free space is read at most once a second
            CompletionException refused = assertThrows(CompletionException.class,
                    () -> store.append(TestMessages.message("Full", "during"), StoreFixture.T0 + 60_000).join());
            assertInstanceOf(StoreFullException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("the timer store is full: 512 MB free"),
                    refused.getCause().getMessage());
            assertTrue(store.diskSpace().full());

            // Pending timers keep their way out: acknowledged and cancelled while full.
            List<DueEntry> pending = store.scanDue(0, -1, Long.MAX_VALUE / 2, 10);
            assertEquals(3, pending.size());
            assertTrue(store.ack(pending.get(0).dueMs(), pending.get(0).seq()));
            assertEquals(ChangeResult.Status.CHANGED,
                    store.cancel("Full", pending.get(1).uniqKey()).get(10, TimeUnit.SECONDS).status());
            assertEquals(1, store.pendingCount());

            free.set(2 * GB);
            clock.advance(1_001);
            store.append(TestMessages.message("Full", "after"), StoreFixture.T0 + 60_000).get(10, TimeUnit.SECONDS);
            assertEquals(2, store.pendingCount(), "accepted again, no restart");
        }
    }

    /** The free space is read once a second: a disk whose space cannot be read is logged once, not each second. */
    @Test
    void shouldLogAFreeSpaceThatCannotBeReadOnceAndTakeItAsEnough() throws Exception {
        Path missing = dir.resolve("not-yet");
        LongSupplier usable = DiskSpace.of(missing);
        try (CapturedLog log = new CapturedLog(DiskSpace.class)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(Long.MAX_VALUE, usable.getAsLong(), "unknown is not full");
            }
            assertEquals(1, log.lines(Level.WARN, "Cannot read the free space under " + missing).size());
            Files.createDirectories(missing);
            assertTrue(usable.getAsLong() < Long.MAX_VALUE);
            usable.getAsLong();
            assertEquals(1, log.lines(Level.INFO, "can be read again").size());
        }
    }
}
