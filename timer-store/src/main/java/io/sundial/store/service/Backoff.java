package io.sundial.store.service;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Retry delays that grow exponentially with jitter, capped. Attempt {@code n} has the ceiling
 * {@code min(maxMs, minMs * 2^n)} and waits a uniformly random time between half of it and all of it, never less
 * than {@code minMs}: with 100 ms and 30 s, the first retry waits 100 to 200 ms, the second 200 to 400 ms, and from
 * the ninth on 15 to 30 s. The jitter spreads the retries of lanes that failed together (a broker restart) so they
 * do not all come back in the same millisecond.
 *
 * <p>Thread-safe if the random generator is; the service uses it from its wheel thread only.
 */
public final class Backoff {
    private final long minMs;
    private final long maxMs;
    private final RandomGenerator random;

    /**
     * @param minMs  the least delay, at least 1
     * @param maxMs  the cap, at least {@code minMs}
     * @param random the jitter source; pass a seeded one for repeatable tests
     */
    public Backoff(long minMs, long maxMs, RandomGenerator random) {
        if (minMs < 1 || maxMs < minMs) {
            throw new IllegalArgumentException("backoff needs 1 <= minMs <= maxMs, got minMs=" + minMs
                    + " maxMs=" + maxMs);
        }
        this.minMs = minMs;
        this.maxMs = maxMs;
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The delay in ms before attempt number {@code attempt} (1 for the first retry). O(1). */
    public long delayMs(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt counts from 1, got " + attempt);
        }
        return jittered(ceilingMs(attempt));
    }

    /** The ceiling of attempt {@code attempt}: {@code min(maxMs, minMs * 2^attempt)}. */
    public long ceilingMs(int attempt) {
        int doublings = Math.min(attempt, 62);
        long ceiling = minMs << doublings;
        return ceiling >>> doublings != minMs || ceiling > maxMs ? maxMs : ceiling;
    }

    private long jittered(long ceiling) {
        long half = ceiling / 2;
        return Math.max(minMs, half + random.nextLong(ceiling - half + 1));
    }
}
