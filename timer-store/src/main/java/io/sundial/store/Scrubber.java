package io.sundial.store;

import io.sundial.store.log.SegmentInfo;
import io.sundial.store.log.TimerLog;
import io.sundial.store.record.CorruptRecordException;
import io.sundial.store.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;

/**
 * Checks every sealed timer-log segment's records against their CRC, a pass at a time, at most
 * {@code bytesPerSecond}: a flipped bit in a timer due next month is found and reported now, not when it falls
 * due. What it finds goes to {@link CorruptRecords} (log, count, admin status); the record itself stays where it
 * is — the read for delivery refuses it again and parks its timer. Stops between records when asked; never
 * interrupted (an interrupt inside a file operation would close the segment for everyone).
 */
final class Scrubber {
    private static final Logger LOG = LoggerFactory.getLogger(Scrubber.class);
    /** The pacing granularity: after each tenth of a second's worth of bytes, wait out the rest of it. */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final TimerLog log;
    private final CorruptRecords found;
    private final long bytesPerSecond;
    private final Clock clock;
    private volatile boolean stopping;
    private volatile long passes;
    private volatile long lastPassEndMs;
    private volatile long checkedBytes;

    Scrubber(TimerLog log, CorruptRecords found, long bytesPerSecond, Clock clock) {
        this.log = log;
        this.found = found;
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
    }

    /** One pass over the sealed segments there are now; returns the corrupt records it found that were new. */
    int pass() {
        long start = clock.monoNanos();
        int newlyFound = 0;
        int segments = 0;
        long bytes = 0;
        Pacer pacer = new Pacer();
        for (SegmentInfo s : log.segments()) {
            if (stopping) {
                return newlyFound;
            }
            if (s.active()) {
                continue;
            }
            try {
                TimerLog.SegmentCheck check = log.check(s.base(), pacer);
                if (check == null) {
                    continue; // deleted or compacted meanwhile
                }
                segments++;
                bytes += check.bytes();
                for (CorruptRecordException e : check.corrupt()) {
                    if (found.report(e, "the scrubber")) {
                        newlyFound++;
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("Scrubbing timer log segment at {} failed", s.base(), e);
            }
        }
        passes++;
        checkedBytes += bytes;
        lastPassEndMs = clock.wallMillis();
        LOG.info("Timer log scrubbed: {} sealed segments, {} MB in {} ms, {} corrupt records newly found", segments,
                bytes >> 20, TimeUnit.NANOSECONDS.toMillis(clock.monoNanos() - start), newlyFound);
        return newlyFound;
    }

    void stop() {
        stopping = true;
    }

    long passes() {
        return passes;
    }

    long lastPassEndMs() {
        return lastPassEndMs;
    }

    long checkedBytes() {
        return checkedBytes;
    }

    /** Sleeps so that the bytes read stay under {@code bytesPerSecond}; answers false once stopping. */
    private final class Pacer implements IntPredicate {
        private final long bytesPerSlice = Math.max(1, bytesPerSecond / 10);
        private long sliceStart = System.nanoTime();
        private long sliceBytes;

        @Override
        public boolean test(int bytes) {
            sliceBytes += bytes;
            if (sliceBytes < bytesPerSlice) {
                return !stopping;
            }
            long left = SLICE_NANOS - (System.nanoTime() - sliceStart);
            while (left > 0 && !stopping) {
                LockSupport.parkNanos(Math.min(left, SLICE_NANOS));
                left = SLICE_NANOS - (System.nanoTime() - sliceStart);
            }
            sliceStart = System.nanoTime();
            sliceBytes = 0;
            return !stopping;
        }
    }
}
