package io.sundial.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveredJournalTest {
    @TempDir
    Path dir;

    private static final List<TimerId> FIRST = List.of(new TimerId(1_000, 1), new TimerId(1_000, 2));
    private static final List<TimerId> SECOND = List.of(new TimerId(Long.MAX_VALUE, 3), new TimerId(-5, 4),
            new TimerId(2_000, Long.MAX_VALUE));

    private static List<TimerId> both() {
        List<TimerId> all = new ArrayList<>(FIRST);
        all.addAll(SECOND);
        return all;
    }

    private Path file() {
        return dir.resolve(DeliveredJournal.FILE);
    }

    private void writeTwoBlocksAndClose() throws IOException {
        try (DeliveredJournal j = DeliveredJournal.open(dir)) {
            assertTrue(j.isEmpty());
            j.append(FIRST);
            j.append(SECOND);
            assertFalse(j.isEmpty());
        }
    }

    @Test
    void shouldReadBackEveryIdInTheOrderAppendedAfterReopening() throws IOException {
        writeTwoBlocksAndClose();
        try (DeliveredJournal j = DeliveredJournal.open(dir)) {
            assertFalse(j.isEmpty());
            assertEquals(both(), j.read());
        }
    }

    @Test
    void shouldForgetEverythingWhenClearedAndAppendAfresh() throws IOException {
        writeTwoBlocksAndClose();
        try (DeliveredJournal j = DeliveredJournal.open(dir)) {
            j.clear();
            assertTrue(j.isEmpty());
            assertEquals(0, Files.size(file()));
            j.append(SECOND);
            assertEquals(SECOND, j.read());
        }
    }

    @Test
    void shouldStopAtATornLastBlock() throws IOException {
        writeTwoBlocksAndClose();
        try (FileChannel c = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            c.truncate(c.size() - 3);
        }
        try (DeliveredJournal j = DeliveredJournal.open(dir)) {
            assertEquals(FIRST, j.read());
        }
    }

    @Test
    void shouldStopAtABlockWhoseChecksumDoesNotMatch() throws IOException {
        writeTwoBlocksAndClose();
        long secondBlockFirstId = 4 + FIRST.size() * 16L + 4 + 4;
        try (FileChannel c = FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(new byte[] {0x55}), secondBlockFirstId + 3);
        }
        try (DeliveredJournal j = DeliveredJournal.open(dir)) {
            assertEquals(FIRST, j.read());
        }
    }

    @Test
    void shouldStopAtACountNoBlockCanHave() throws IOException {
        writeTwoBlocksAndClose();
        long secondBlock = 4 + FIRST.size() * 16L + 4;
        try (FileChannel c = FileChannel.open(file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(4).putInt(0, -1), secondBlock);
        }
        try (DeliveredJournal j = DeliveredJournal.open(dir)) {
            assertEquals(FIRST, j.read());
        }
    }
}
