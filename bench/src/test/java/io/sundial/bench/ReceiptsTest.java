package io.sundial.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReceiptsTest {
    @Test
    void shouldKeepTheFirstReceiveTimeAndCountDuplicatesAndStrays() {
        Receipts r = new Receipts(3);
        r.expect(0, 1000);
        r.expect(1, 2000);
        r.acknowledged(0);
        r.acknowledged(1);
        r.acknowledged(1); // a callback seen twice still counts one message
        assertEquals(2, r.acknowledgedCount());
        r.received("0", 1005, 1002, Long.MIN_VALUE);
        r.received("0", 1100, 1090, Long.MIN_VALUE);
        r.received("7", 1200, 1200, Long.MIN_VALUE);
        r.received("not-a-number", 1200, 1200, Long.MIN_VALUE);
        assertEquals(1005, r.receivedAt(0));
        assertEquals(1002, r.storedAt(0), "the first copy's store time");
        assertEquals(1, r.duplicates());
        assertEquals(2, r.strays());
        assertFalse(r.complete());
        r.received("1", 2003, 2001, Long.MIN_VALUE);
        assertTrue(r.complete(), "every acknowledged message arrived; 2 was never acknowledged");
        assertEquals(2000, r.lastDue());
    }

    @Test
    void shouldSplitLatenessAtTheStoreTimeAndCountAcknowledgedMessagesNeverReceivedAsLost() {
        Receipts r = new Receipts(3);
        r.expect(0, 1000);
        r.expect(1, 2000);
        r.expect(2, 3000);
        r.acknowledged(0);
        r.acknowledged(1);
        r.acknowledged(2);
        r.received("0", 1030, 1010, Long.MIN_VALUE);
        r.received("1", 2100, 2060, Long.MIN_VALUE);
        Receipts.Lateness l = r.lateness();
        assertEquals(2, l.total().count(), "only messages received");
        assertEquals(30, l.total().min());
        assertEquals(100, l.total().max());
        assertEquals(10, l.stored().min());
        assertEquals(60, l.stored().max());
        assertEquals(20, l.hop().min());
        assertEquals(40, l.hop().max());
        assertEquals(1, r.lost(), "2 was acknowledged and never received");
    }

    @Test
    void shouldWriteOneLinePerMessageWithEmptyFieldsForTimesNotSeen(@TempDir Path dir) throws Exception {
        Receipts r = new Receipts(2);
        r.expect(0, 1000);
        r.expect(1, 2000);
        r.received("0", 1005, 1002, 1001);
        Path file = dir.resolve("raw/run.csv");
        DeliveryRun.writeRaw(file, r);
        assertEquals(List.of("message,dueMs,firedMs,storedMs,receivedMs", "0,1000,1001,1002,1005", "1,2000,,,"),
                Files.readAllLines(file));
    }
}
