package io.sundial.store;

import io.sundial.store.time.Clock;
import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One kind of store work that can fail over and over while its cause lasts (a disk returning I/O errors fails
 * every write group, every fsync, every 200 ms flush). The first failure of an episode is logged with its cause
 * and what it means; the rest are only counted; the first success after them ends the episode with one line.
 * So an outage of any length costs two log lines, and the counter still shows how much failed. Thread-safe.
 */
final class FailureEpisode {
    private final Logger log;
    private final String subject;
    private final Clock clock;
    private final AtomicLong failures = new AtomicLong();
    /** Failures since the episode began; 0 while working. Guarded by this. */
    private long inEpisode;
    private long episodeStartNanos;
    private volatile String cause;

    FailureEpisode(Logger log, String subject, Clock clock) {
        this.log = log;
        this.subject = subject;
        this.clock = clock;
    }

    /** Counts a failure, logging it (with {@code consequence}) if it begins an episode. */
    void failed(Throwable error, String consequence) {
        failures.incrementAndGet();
        String why = error.getMessage() == null ? error.toString() : error.getMessage();
        synchronized (this) {
            if (inEpisode++ > 0) {
                return;
            }
            episodeStartNanos = clock.monoNanos();
            cause = why;
        }
        log.error("{} failed ({}): {}. Logged once: further failures are counted until it works again", subject,
                why, consequence, error);
    }

    /** Notes a success, logging the end of an episode if one was going on. */
    void worked() {
        if (cause == null) {
            return;
        }
        long failed;
        long lastedMs;
        synchronized (this) {
            if (inEpisode == 0) {
                return;
            }
            failed = inEpisode;
            lastedMs = (clock.monoNanos() - episodeStartNanos) / 1_000_000;
            inEpisode = 0;
            cause = null;
        }
        log.info("{} works again ({} failed in {} ms)", subject, failed, lastedMs);
    }

    /** The cause of the episode going on, or null when the last attempt worked. */
    String failingCause() {
        return cause;
    }

    /** Failures since the store opened. */
    long failures() {
        return failures.get();
    }
}
