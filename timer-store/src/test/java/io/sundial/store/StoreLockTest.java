package io.sundial.store;

import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.sundial.store.StoreFixture.T0;
import static io.sundial.store.TestMessages.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A store in use is left alone by a second open: it is refused before it reads or repairs anything. */
class StoreLockTest {
    private static final byte[] WRITE_IN_PROGRESS = {0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A};

    @TempDir
    Path dir;

    private final ManualClock clock = StoreFixture.clock();

    @Test
    void shouldRefuseASecondOpenOfAStoreInUseAndLeaveTheStoreAsItWas() throws Exception {
        StoreConfig config = StoreFixture.config(dir);
        Path segment;
        long tail;
        Path backupInProgress = dir.resolve(StoreBackup.STAGING_PREFIX + T0);
        try (TimerStore holder = TimerStore.open(config, clock)) {
            holder.append(message("T", "A"), T0 + 100).get(5, TimeUnit.SECONDS);
            // What the holder's write in progress and backup in progress look like to another process: bytes past
            // the last whole record of the active segment, and a backup's staging directory.
            segment = lastSegment(config);
            tail = Files.size(segment) - WRITE_IN_PROGRESS.length;
            write(segment, tail, WRITE_IN_PROGRESS);
            Files.createDirectories(backupInProgress);

            StoreException refused = assertThrows(StoreException.class, () -> TimerStore.open(config, clock));
            assertTrue(refused.getMessage().contains("is in use"), refused.getMessage());
            assertTrue(refused.getMessage().contains(dir.resolve(StoreLock.FILE).toString()), refused.getMessage());

            assertArrayEquals(WRITE_IN_PROGRESS, read(segment, tail, WRITE_IN_PROGRESS.length),
                    "the refused open cut the holder's log tail");
            assertTrue(Files.isDirectory(backupInProgress), "the refused open deleted the holder's backup");
            assertEquals(1, holder.pendingCount(), "the holder still serves its store");
        }
        try (TimerStore reopened = TimerStore.open(config, clock)) {
            assertEquals(1, reopened.pendingCount(), "the lock is released at close");
        }
    }

    @Test
    void shouldReleaseTheStoreWhenItsIndexDoesNotOpen() throws Exception {
        StoreConfig config = storeWithOneTimer();
        Path index = config.indexPath();
        Path aside = dir.resolve("index-aside");
        Files.move(index, aside);
        Files.writeString(index, "not a directory"); // RocksDB cannot open it

        StoreException failed = assertThrows(StoreException.class, () -> TimerStore.open(config, clock));
        assertTrue(failed.getMessage().contains("timer index"), failed.getMessage());

        Files.delete(index);
        Files.move(aside, index);
        try (TimerStore reopened = TimerStore.open(config, clock)) {
            assertEquals(1, reopened.pendingCount(), "the failed open left the store (or its log) held");
        }
    }

    @Test
    void shouldReleaseTheStoreAndItsIndexWhenTheLogDoesNotOpen() throws Exception {
        StoreConfig config = storeWithOneTimer();
        Path stray = config.timerLogPath().resolve("stray.log"); // not named by a position: the log refuses to open
        Files.writeString(stray, "x");

        IOException failed = assertThrows(IOException.class, () -> TimerStore.open(config, clock));
        assertTrue(failed.getMessage().contains("not named by its base position"), failed.getMessage());

        Files.delete(stray);
        // The index opens beside the log. Had the failed open not closed it, RocksDB's own lock would refuse this
        // open once that index has finished opening: give it the time to.
        Thread.sleep(1_000);
        try (TimerStore reopened = TimerStore.open(config, clock)) {
            assertEquals(1, reopened.pendingCount(), "the failed open left the store (or its index) held");
        }
    }

    /** A closed store holding one pending timer. */
    private StoreConfig storeWithOneTimer() throws Exception {
        StoreConfig config = StoreFixture.config(dir);
        try (TimerStore store = TimerStore.open(config, clock)) {
            store.append(message("T", "A"), T0 + 100).get(5, TimeUnit.SECONDS);
        }
        return config;
    }

    private static Path lastSegment(StoreConfig config) throws IOException {
        try (Stream<Path> files = Files.list(config.timerLogPath())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    private static void write(Path file, long at, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), at);
        }
    }

    private static byte[] read(Path file, long at, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(buffer, at);
        }
        return buffer.array();
    }
}
