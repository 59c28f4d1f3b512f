package io.sundial.store;

import ch.qos.logback.classic.Level;
import io.sundial.store.index.DueEntry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RocksDB's files capped at 2 MB by its own file manager ({@code indexMaxDiskBytes}): timers are appended until the
 * index cannot flush. The refusal is a "store full" one (the proxy answers SYSTEM_BUSY), nothing acknowledged is
 * lost (acknowledgements of deliveries fail too, logged once), and once there is room — here the store reopened
 * without the cap — every acknowledged timer is pending and new ones are accepted.
 */
@Tag("slow")
class IndexSpaceCapTest {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseAsFullWhenTheIndexReachesItsCapAndLoseNothingAcknowledged() throws Exception {
        List<String> acknowledged = new ArrayList<>();
        Throwable refusal = null;
        int failedAcks = 0;
        int triedAcks;
        try (CapturedLog log = new CapturedLog(TimerStore.class);
             TimerStore store = TimerStore.open(StoreFixture.config(dir).withIndexMaxDiskBytes(2L << 20),
                StoreFixture.clock())) {
            for (int batch = 0; batch < 400 && refusal == null; batch++) {
                List<AppendRequest> requests = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    String key = "k" + batch + "-" + i;
                    keys.add(key);
                    requests.add(new AppendRequest(TestMessages.message("Capped", key, "key-" + key, "b"),
                            StoreFixture.T0 + 3_600_000 + batch * 500L + i));
                }
                try {
                    store.appendAll(requests).get(30, TimeUnit.SECONDS);
                    acknowledged.addAll(keys);
                } catch (ExecutionException e) {
                    refusal = e.getCause();
                }
            }
            // Acknowledgements are index writes too: each fails while the index cannot write, logged once.
            List<DueEntry> delivered = store.scanDue(0, -1, Long.MAX_VALUE / 2, 20);
            triedAcks = delivered.size();
            try (DeliverySession session = store.deliverySession()) {
                for (DueEntry e : delivered) {
                    try {
                        session.ack(session.begin(List.of(TimerId.of(e))));
                    } catch (StoreException expected) {
                        failedAcks++;
                    }
                }
            }
            assertEquals(1, log.lines(Level.ERROR, "Acknowledging delivered timers in the index failed").size(),
                    log.lines(Level.ERROR, "").toString());
        }
        assertEquals(20, triedAcks);
        assertEquals(triedAcks, failedAcks, "no acknowledgement is written while the index cannot write");
        assertNotNull(refusal, "the index reached its cap within 200,000 timers (" + acknowledged.size() + " stored)");
        assertInstanceOf(StoreFullException.class, refusal, refusal.toString());
        assertTrue(refusal.getMessage().contains("index is out of space"), refusal.getMessage());

        try (TimerStore reopened = TimerStore.open(StoreFixture.config(dir), StoreFixture.clock())) {
            long missing = acknowledged.stream().filter(k -> reopened.findByUniqKey("Capped", k).isEmpty()).count();
            assertEquals(0, missing, "every acknowledged timer of " + acknowledged.size() + " is pending");
            reopened.append(TestMessages.message("Capped", "after"), StoreFixture.T0 + 3_600_000)
                    .get(30, TimeUnit.SECONDS);
        }
        System.out.printf("index capped at 2 MB: %,d timers acknowledged before the refusal (%s); all pending after"
                + " reopening without the cap%n", acknowledged.size(), refusal.getMessage());
    }
}
