package io.sundial.proxy.dispatch;

import io.sundial.store.index.DueEntry;
import io.sundial.store.record.LogRecord;
import io.sundial.store.record.RecordCodec;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Bytes allocated per timer by a dispatch thread's own work on a 256-timer batch: decoding each record and writing
 * the batch body (plus the few objects this harness makes per timer). A main, not a test; run it as
 * {@code docs/benchmarks.md} says. The messages look like the side-by-side bench's: 1 KiB body, the stock client's
 * properties.
 */
public final class DispatchAllocationBenchmark {
    private static final int BATCH = 256;

    private DispatchAllocationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String properties = "UNIQ_KEY\u00017F0000011A2B18B4AAC2123456780000\u0002KEYS\u0001bench-123456\u0002"
                + "WAIT\u0001true\u0002TIMER_DELIVER_MS\u00011796228332302\u0002";
        List<ByteBuffer> records = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            TimerMessage m = new TimerMessage("bench-ten-1", i % 8, "broker-a", "TBW102", 4, "bench-producer", 0, 0,
                    1_796_228_332_302L, "127.0.0.1:45678", 0, properties, new byte[1024]);
            records.add(RecordCodec.encode(LogRecord.timer(i, 1_796_228_342_302L, 1, 0, "uniq" + i, m)));
        }
        long bytesOut = 0;
        long start = 0;
        long timers = 0;
        long startNanos = 0;
        for (int round = 0; round < rounds; round++) {
            if (round == rounds / 2) { // the first half warms the JIT up
                start = threads.getCurrentThreadAllocatedBytes();
                startNanos = System.nanoTime();
                timers = 0;
            }
            List<DueTimer> run = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                LogRecord r = RecordCodec.decode(records.get(i).duplicate(), 0);
                run.add(new DueTimer(new DueEntry(r.dueMs(), i, 0, 100, i % 8, "bench-ten-1", r.uniqKey(),
                        List.of()), r, 1_796_228_342_303L));
            }
            bytesOut += BatchBody.encode(run).length;
            timers += BATCH;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - start;
        double micros = (System.nanoTime() - startNanos) / 1e3;
        System.out.printf(Locale.ROOT, "%d timers: %.0f bytes allocated and %.2f µs per timer (batch bodies %d bytes)%n",
                timers, (double) allocated / timers, micros / timers, bytesOut);
    }
}
