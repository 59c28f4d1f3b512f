package io.sundial.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged RocksDB index stops the store from opening with a message naming the directory and what to do; doing
 * it — moving the index aside — rebuilds it from the timer log with every pending timer, cancels included.
 */
class IndexRebuildTest {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseADamagedIndexWithWhatToDoAndRebuildItFromTheLogOnceMovedAside() throws Exception {
        try (TimerStore store = TimerStore.open(StoreFixture.config(dir), StoreFixture.clock())) {
            List<AppendRequest> requests = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                requests.add(new AppendRequest(TestMessages.message("Rebuilt", "u" + i),
                        StoreFixture.T0 + 3_600_000 + i));
            }
            store.appendAll(requests).get(10, TimeUnit.SECONDS);
            store.cancel("Rebuilt", "u7").get(10, TimeUnit.SECONDS);
        }
        Path index = dir.resolve("index");
        Files.writeString(index.resolve("CURRENT"), "MANIFEST-garbage\n", StandardCharsets.UTF_8);

        StoreException refused = assertThrows(StoreException.class,
                () -> TimerStore.open(StoreFixture.config(dir), StoreFixture.clock()).close());
        assertTrue(refused.getMessage().contains("the timer index under " + index + " cannot be opened"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("move " + index + " aside"), refused.getMessage());

        Files.move(index, dir.resolve("index.damaged"));
        try (TimerStore rebuilt = TimerStore.open(StoreFixture.config(dir), StoreFixture.clock())) {
            assertEquals(99, rebuilt.pendingCount(), "every pending timer back, the cancelled one not");
            assertTrue(rebuilt.findByUniqKey("Rebuilt", "u7").isEmpty());
            assertTrue(rebuilt.recoveryReport().replayedRecords() >= 101, "timers and the cancel replayed");
        }
    }
}
