package io.sundial.store;

import io.sundial.store.index.DueEntry;
import io.sundial.store.index.TopicPage;
import io.sundial.store.time.ManualClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.sundial.store.StoreFixture.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow")
class LargeStoreTest {
    @TempDir
    Path dir;

    @Test
    void shouldListOneTopicWithoutTouchingAMillionTimersOfOtherTopics() throws Exception {
        ManualClock clock = StoreFixture.clock();
        StoreConfig config = StoreFixture.config(dir).withSegmentSize(256 << 20);
        try (TimerStore store = TimerStore.open(config, clock)) {
            List<CompletableFuture<List<AppendResult>>> inFlight = new ArrayList<>();
            for (int batch = 0; batch < 1000; batch++) {
                List<AppendRequest> requests = new ArrayList<>(1000);
                for (int i = 0; i < 1000; i++) {
                    // Other topics sort both before and after "orders" and share its due times.
                    String topic = (i % 2 == 0 ? "a-" : "z-") + (i % 10);
                    requests.add(new AppendRequest(TestMessages.message(topic, batch + "-" + i, null, "b"),
                            T0 + i));
                }
                if (batch % 10 == 0) {
                    requests.add(new AppendRequest(TestMessages.message("orders", "o" + batch), T0 + batch));
                }
                inFlight.add(store.appendAll(requests));
                if (inFlight.size() == 8) {
                    inFlight.remove(0).join();
                }
            }
            inFlight.forEach(CompletableFuture::join);
            assertEquals(1_000_100, store.pendingCount());

            TopicPage page = store.listTopic("orders", 0, Long.MAX_VALUE, -1, 0, 1000);
            assertEquals(100, page.entries().size());
            assertEquals(100, page.rowsRead(), "only the topic's own rows are read");
            for (int i = 1; i < page.entries().size(); i++) {
                assertTrue(page.entries().get(i - 1).dueMs() <= page.entries().get(i).dueMs());
            }
            DueEntry first = page.entries().get(0);
            assertEquals("orders", store.read(first).message().topic());
            assertEquals(100, store.pendingCount("orders"));
        }
    }
}
