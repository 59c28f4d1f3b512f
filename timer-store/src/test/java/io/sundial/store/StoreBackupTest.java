package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.log.DurableFiles;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static io.sundial.store.StoreFixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A backup of a running store, taken while a writer keeps appending, opens as a store holding exactly what the
 * running one held at one instant: every timer acknowledged before the backup began, none delivered or cancelled
 * before it, each reading whole; the running store goes on meanwhile.
 */
class StoreBackupTest {
    @TempDir
    Path dir;
    @TempDir
    Path backups;

    private final ManualClock clock = StoreFixture.clock();

    @Test
    void shouldBackUpARunningStoreThatOpensWithWhatItHeldAtOneInstant() throws Exception {
        Path target = backups.resolve("b1");
        Set<String> before = new HashSet<>();
        List<String> during = new ArrayList<>();
        BackupReport report;
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir), clock)) {
            for (int i = 0; i < 300; i++) { // about three 1 MiB segments
                store.append(TestMessages.sized("T", "m" + i, 10_000), T0 + 60_000 + i).get();
                before.add("m" + i);
            }
            store.cancel("T", "m7").get();
            before.remove("m7");
            for (DueEntry e : store.scanDue(0, -1, T0 + 60_010, 100)) {
                if (!e.uniqKey().equals("m7")) {
                    store.ack(e.dueMs(), e.seq());
                    before.remove(e.uniqKey());
                }
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; writing.get(); i++) {
                    store.append(TestMessages.sized("T", "w" + i, 10_000), T0 + 120_000 + i).join();
                    synchronized (during) {
                        during.add("w" + i);
                    }
                }
            });
            waitFor(() -> !during.isEmpty());
            report = store.backup(target);
            writing.set(false);
            writer.get(10, TimeUnit.SECONDS);
            assertTrue(report.segments() >= 3, report.toString());
            assertEquals(report, store.lastBackup());
            assertTrue(sizeOf(target) > 0);
            assertFalse(Files.exists(dir.resolve(StoreBackup.STAGING_PREFIX + clock.wallMillis())),
                    "the staging directory is gone");
            assertEquals(before.size() + during.size(), store.pendingCount(), "the running store went on");
        }
        try (TimerStore restored = TimerStore.open(StoreFixture.config(target), clock)) {
            assertEquals(report.pending(), restored.pendingCount(), "pending as the backup said");
            for (String key : before) {
                List<DueEntry> found = restored.findByUniqKey("T", key);
                assertEquals(1, found.size(), key + " was pending before the backup began");
                assertEquals(key, restored.read(found.get(0)).uniqKey());
            }
            assertTrue(restored.findByUniqKey("T", "m7").isEmpty(), "cancelled before: stays cancelled");
            assertTrue(restored.findByUniqKey("T", "m0").isEmpty(), "delivered before: not pending");
            long fromWriter = restored.pendingCount() - before.size();
            assertTrue(fromWriter >= 0 && fromWriter <= during.size(),
                    fromWriter + " of the " + during.size() + " written during the backup");
            for (int i = 0; i < fromWriter; i++) {
                List<DueEntry> found = restored.findByUniqKey("T", "w" + i);
                assertEquals(1, found.size(), "the writer's timers up to the instant of the copy, in order: w" + i);
                assertEquals("w" + i, restored.read(found.get(0)).uniqKey());
            }
            assertEquals("x", restored.read(restored.findByUniqKey("T", restored.append(
                    TestMessages.message("T", "x"), T0 + 1).get().uniqKey()).get(0)).uniqKey(), "takes writes");
        }
    }

    /** To another file system (here tmpfs): the staging directory cannot be renamed there, so it is copied. */
    @Test
    void shouldCopyABackupToAnotherFileSystem() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(dir)),
                "a second file system at /dev/shm");
        Path target = shm.resolve("sundial-backup-test-" + System.nanoTime());
        try {
            try (TimerStore store = TimerStore.open(StoreFixture.config(dir), clock)) {
                for (int i = 0; i < 150; i++) {
                    store.append(TestMessages.sized("T", "m" + i, 10_000), T0 + i).get();
                }
                BackupReport report = store.backup(target);
                assertEquals(150, report.pending());
                assertTrue(report.segments() >= 2, report.toString());
            }
            try (Stream<Path> left = Files.list(dir)) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(StoreBackup.STAGING_PREFIX)),
                        "the staging directory is deleted once copied");
            }
            assertFalse(Files.exists(target.resolveSibling(target.getFileName() + ".incomplete")),
                    "copied under another name, renamed once whole");
            try (TimerStore restored = TimerStore.open(StoreFixture.config(target), clock)) {
                assertEquals(150, restored.pendingCount());
                for (String key : List.of("m0", "m75", "m149")) {
                    assertEquals(key, restored.read(restored.findByUniqKey("T", key).get(0)).uniqKey());
                }
            }
        } finally {
            DurableFiles.deleteTree(target);
        }
    }

    /** What a rebuild reads beside the log comes along: a backup whose index is lost rebuilds as the store would. */
    @Test
    void shouldCopyThePausedTopicsAndDeliveredTimersSoThatABackupRebuildsWithThem() throws Exception {
        Path target = backups.resolve("b3");
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir), clock)) {
            store.append(TestMessages.message("T", "a"), T0 + 1).get();
            store.append(TestMessages.message("T", "delivered"), T0 + 1).get();
            DueEntry delivered = store.findByUniqKey("T", "delivered").get(0);
            assertTrue(store.ack(delivered.dueMs(), delivered.seq()));
            store.pause("T");
            store.backup(target);
        }
        DurableFiles.deleteTree(target.resolve("index"));
        try (TimerStore restored = TimerStore.open(StoreFixture.config(target), clock)) {
            assertEquals(Set.of("T"), restored.pausedTopics().keySet());
            assertEquals(1, restored.pendingCount());
            assertEquals(1, restored.recoveryReport().skippedDelivered(), "the delivered timer stays delivered");
        }
    }

    @Test
    void shouldRefuseATargetThatExistsOrLiesInsideTheStore() throws Exception {
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir), clock)) {
            IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                    () -> store.backup(backups));
            assertTrue(exists.getMessage().contains("exists already"), exists.getMessage());
            IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                    () -> store.backup(dir.resolve("copy")));
            assertTrue(inside.getMessage().contains("must lie outside the store"), inside.getMessage());
            IllegalArgumentException orphan = assertThrows(IllegalArgumentException.class,
                    () -> store.backup(backups.resolve("no/such/parent")));
            assertTrue(orphan.getMessage().contains("is not a directory"), orphan.getMessage());
        }
    }

    @Test
    void shouldDeleteAStagingDirectoryLeftByACrashWhenTheStoreOpens() throws Exception {
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir), clock)) {
            store.append(TestMessages.message("T", "a"), T0 + 1).get();
        }
        Path left = Files.createDirectories(dir.resolve(StoreBackup.STAGING_PREFIX + "1").resolve("timerlog"));
        Files.writeString(left.resolve("00000000000000000000.log.part"), "linked");
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir), clock)) {
            assertFalse(Files.exists(left.getParent()));
            assertEquals(1, store.pendingCount());
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(condition.getAsBoolean());
    }

    private static long sizeOf(Path root) throws Exception {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
