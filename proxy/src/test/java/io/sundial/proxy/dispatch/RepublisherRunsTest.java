package io.sundial.proxy.dispatch;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RepublisherRunsTest {
    private static DueTimer timer(long seq, String broker, int bodyBytes) {
        TimerMessage m = new TimerMessage("T", 0, broker, "TBW102", 4, "g", 0, 0, 1L, "127.0.0.1:1", 0, "",
                new byte[bodyBytes]);
        return new DueTimer(new DueEntry(1000, seq, 0, 100, 0, "T", "u" + seq, List.of()),
                LogRecord.timer(seq, 1000, 1, 0, "u" + seq, m), 1000);
    }

    private static List<Integer> sizes(List<List<DueTimer>> runs) {
        return runs.stream().map(List::size).toList();
    }

    @Test
    void shouldSplitABatchAtABrokerChange() {
        List<DueTimer> timers = List.of(timer(1, "a", 10), timer(2, "a", 10), timer(3, "b", 10), timer(4, "a", 10));
        assertEquals(List.of(2, 1, 1), sizes(Republisher.runs(timers)));
    }

    @Test
    void shouldKeepEachBatchUnderItsByteLimit() {
        List<DueTimer> timers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            timers.add(timer(i, "a", 300 * 1024)); // 10 x 300 KiB: at most three per 1 MiB batch
        }
        timers.add(timer(10, "a", 3 << 20)); // larger than a batch: alone
        timers.add(timer(11, "a", 10));
        assertEquals(List.of(3, 3, 3, 1, 1, 1), sizes(Republisher.runs(timers)));
    }
}
