package io.sundial.store.service;

import io.sundial.store.wheel.WheelConfig;

import java.util.Properties;

import static io.sundial.store.config.Settings.bad;
import static io.sundial.store.config.Settings.get;
import static io.sundial.store.config.Settings.parseInt;
import static io.sundial.store.config.Settings.parseLong;

/**
 * The timer service's settings: each has a name (as in {@code conf/sundial.properties}), a default and a check
 * that names the bad value. Immutable; build with {@link #defaults()} and the {@code with...} methods, or
 * {@link #fromProperties}.
 */
public final class ServiceConfig {
    public static final String LOAD_WINDOW_MS = "loadWindowMs";
    public static final String MAX_WHEEL_REFERENCES = "maxWheelReferences";
    public static final String LOAD_BATCH_SIZE = "loadBatchSize";
    public static final String LOAD_INTERVAL_MS = "loadIntervalMs";
    public static final String WHEEL_TICK_MS = "wheelTickMs";
    public static final String MAX_FIRE_PER_STEP = "maxFirePerStep";
    public static final String DISPATCH_BATCH_SIZE = "dispatchBatchSize";
    public static final String DISPATCH_THREADS = "dispatchThreads";
    public static final String ACK_LINGER_MS = "ackLingerMs";
    public static final String ACK_BURST_WAIT_MS = "ackBurstWaitMs";
    public static final String DISPATCH_LINGER_MS = "dispatchLingerMs";
    public static final String RETRY_BACKOFF_MIN_MS = "retryBackoffMinMs";
    public static final String RETRY_BACKOFF_MAX_MS = "retryBackoffMaxMs";
    public static final String CLOSE_TIMEOUT_MS = "closeTimeoutMs";

    private static final long MAX_WINDOW_MS = 7L * 24 * 3600 * 1000;

    private long loadWindowMs = 5 * 60_000L;
    private int maxWheelReferences = 1_000_000;
    private int loadBatchSize = 4096;
    private long loadIntervalMs = 100;
    private long wheelTickMs = 1;
    private int maxFirePerStep = 4096;
    private int dispatchBatchSize = 256;
    /** 0: one per available processor, at least 2. */
    private int dispatchThreads = 0;
    private long ackLingerMs = 5;
    private long ackBurstWaitMs = 5_000;
    private long dispatchLingerMs = 0;
    private long retryBackoffMinMs = 100;
    private long retryBackoffMaxMs = 30_000;
    private long closeTimeoutMs = 10_000;

    private ServiceConfig() {
    }

    public static ServiceConfig defaults() {
        return new ServiceConfig();
    }

    /** Reads the service's keys from {@code props}; absent keys keep their defaults, other keys are ignored. */
    public static ServiceConfig fromProperties(Properties props) {
        ServiceConfig c = defaults();
        String v;
        if ((v = get(props, LOAD_WINDOW_MS)) != null) {
            c = c.withLoadWindowMs(parseLong(LOAD_WINDOW_MS, v));
        }
        if ((v = get(props, MAX_WHEEL_REFERENCES)) != null) {
            c = c.withMaxWheelReferences(parseInt(MAX_WHEEL_REFERENCES, v));
        }
        if ((v = get(props, LOAD_BATCH_SIZE)) != null) {
            c = c.withLoadBatchSize(parseInt(LOAD_BATCH_SIZE, v));
        }
        if ((v = get(props, LOAD_INTERVAL_MS)) != null) {
            c = c.withLoadIntervalMs(parseLong(LOAD_INTERVAL_MS, v));
        }
        if ((v = get(props, WHEEL_TICK_MS)) != null) {
            c = c.withWheelTickMs(parseLong(WHEEL_TICK_MS, v));
        }
        if ((v = get(props, MAX_FIRE_PER_STEP)) != null) {
            c = c.withMaxFirePerStep(parseInt(MAX_FIRE_PER_STEP, v));
        }
        if ((v = get(props, DISPATCH_BATCH_SIZE)) != null) {
            c = c.withDispatchBatchSize(parseInt(DISPATCH_BATCH_SIZE, v));
        }
        if ((v = get(props, DISPATCH_THREADS)) != null) {
            c = c.withDispatchThreads(parseInt(DISPATCH_THREADS, v));
        }
        if ((v = get(props, ACK_LINGER_MS)) != null) {
            c = c.withAckLingerMs(parseLong(ACK_LINGER_MS, v));
        }
        if ((v = get(props, ACK_BURST_WAIT_MS)) != null) {
            c = c.withAckBurstWaitMs(parseLong(ACK_BURST_WAIT_MS, v));
        }
        if ((v = get(props, DISPATCH_LINGER_MS)) != null) {
            c = c.withDispatchLingerMs(parseLong(DISPATCH_LINGER_MS, v));
        }
        String min = get(props, RETRY_BACKOFF_MIN_MS);
        String max = get(props, RETRY_BACKOFF_MAX_MS);
        if (min != null || max != null) {
            c = c.withRetryBackoffMs(min == null ? c.retryBackoffMinMs : parseLong(RETRY_BACKOFF_MIN_MS, min),
                    max == null ? c.retryBackoffMaxMs : parseLong(RETRY_BACKOFF_MAX_MS, max));
        }
        if ((v = get(props, CLOSE_TIMEOUT_MS)) != null) {
            c = c.withCloseTimeoutMs(parseLong(CLOSE_TIMEOUT_MS, v));
        }
        return c;
    }

    private ServiceConfig copy() {
        ServiceConfig c = new ServiceConfig();
        c.loadWindowMs = loadWindowMs;
        c.maxWheelReferences = maxWheelReferences;
        c.loadBatchSize = loadBatchSize;
        c.loadIntervalMs = loadIntervalMs;
        c.wheelTickMs = wheelTickMs;
        c.maxFirePerStep = maxFirePerStep;
        c.dispatchBatchSize = dispatchBatchSize;
        c.ackLingerMs = ackLingerMs;
        c.ackBurstWaitMs = ackBurstWaitMs;
        c.dispatchLingerMs = dispatchLingerMs;
        c.dispatchThreads = dispatchThreads;
        c.retryBackoffMinMs = retryBackoffMinMs;
        c.retryBackoffMaxMs = retryBackoffMaxMs;
        c.closeTimeoutMs = closeTimeoutMs;
        return c;
    }

    /** How far ahead of now the loader reads timers into the wheel. */
    public ServiceConfig withLoadWindowMs(long ms) {
        if (ms < 1 || ms > MAX_WINDOW_MS) {
            throw bad(LOAD_WINDOW_MS, ms, "must be between 1 and " + MAX_WINDOW_MS + " ms (7 days)");
        }
        ServiceConfig c = copy();
        c.loadWindowMs = ms;
        return c;
    }

    /**
     * How many timers the loader keeps in memory (in the wheel, waiting in a lane or being dispatched). It tops up
     * in pages, once at least {@code min(loadBatchSize, maxWheelReferences / 8)} have left, so that draining a full
     * wheel does not cost one index read per timer. Timers appended behind the loader's cursor, and those re-read
     * after a retry, go in even past it.
     */
    public ServiceConfig withMaxWheelReferences(int refs) {
        if (refs < 1 || refs > 100_000_000) {
            throw bad(MAX_WHEEL_REFERENCES, refs, "must be between 1 and 100000000");
        }
        ServiceConfig c = copy();
        c.maxWheelReferences = refs;
        return c;
    }

    /** How many index entries the loader reads per step. */
    public ServiceConfig withLoadBatchSize(int entries) {
        if (entries < 1 || entries > 1 << 20) {
            throw bad(LOAD_BATCH_SIZE, entries, "must be between 1 and 1048576");
        }
        ServiceConfig c = copy();
        c.loadBatchSize = entries;
        return c;
    }

    /** How often the loader looks for timers that came into the window; also the longest the runner sleeps. */
    public ServiceConfig withLoadIntervalMs(long ms) {
        if (ms < 1 || ms > 60_000) {
            throw bad(LOAD_INTERVAL_MS, ms, "must be between 1 and 60000 ms");
        }
        ServiceConfig c = copy();
        c.loadIntervalMs = ms;
        return c;
    }

    /** The wheel's level-0 tick; firing stays exact to the millisecond whatever it is. */
    public ServiceConfig withWheelTickMs(long ms) {
        if (ms < 1 || ms > WheelConfig.MAX_TICK_MS) {
            throw bad(WHEEL_TICK_MS, ms, "must be between 1 and " + WheelConfig.MAX_TICK_MS + " ms");
        }
        ServiceConfig c = copy();
        c.wheelTickMs = ms;
        return c;
    }

    /** How many timers one step fires at most, so that loading and hand-off interleave with a large backlog. */
    public ServiceConfig withMaxFirePerStep(int timers) {
        if (timers < 1 || timers > 1 << 20) {
            throw bad(MAX_FIRE_PER_STEP, timers, "must be between 1 and 1048576");
        }
        ServiceConfig c = copy();
        c.maxFirePerStep = timers;
        return c;
    }

    /** The most timers of one lane handed to the dispatcher in one call. */
    public ServiceConfig withDispatchBatchSize(int timers) {
        if (timers < 1 || timers > 1024) {
            throw bad(DISPATCH_BATCH_SIZE, timers, "must be between 1 and 1024");
        }
        ServiceConfig c = copy();
        c.dispatchBatchSize = timers;
        return c;
    }

    /** Threads that read due records, call the dispatcher and acknowledge or park the outcome. */
    public ServiceConfig withDispatchThreads(int threads) {
        if (threads < 0 || threads > 256) {
            throw bad(DISPATCH_THREADS, threads, "must be between 0 (one per processor) and 256");
        }
        ServiceConfig c = copy();
        c.dispatchThreads = threads;
        return c;
    }

    /**
     * How long the acknowledgement of a delivered batch may wait for others, so that one index write carries
     * many (see {@link AckCombiner}); 0 writes each at once on the thread that settled it.
     */
    public ServiceConfig withAckLingerMs(long ms) {
        if (ms < 0 || ms > 1000) {
            throw bad(ACK_LINGER_MS, ms, "must be between 0 (write at once) and 1000 ms");
        }
        ServiceConfig c = copy();
        c.ackLingerMs = ms;
        return c;
    }

    /**
     * How long acknowledgements may wait while a burst is being re-published (more fired timers waiting for their
     * lanes than one batch holds, and a second after), so that their index writes take no CPU from it (see
     * {@link AckCombiner}); 0 never waits past {@link #ackLingerMs()}. Only with a linger.
     */
    public ServiceConfig withAckBurstWaitMs(long ms) {
        if (ms < 0 || ms > 60_000) {
            throw bad(ACK_BURST_WAIT_MS, ms, "must be between 0 (never wait for a burst) and 60000 ms");
        }
        ServiceConfig c = copy();
        c.ackBurstWaitMs = ms;
        return c;
    }

    /**
     * How long a lane with fewer than {@link Scheduler#LINGER_BATCH} fired timers waits for more before sending
     * them (counted from its oldest); 0 sends at once. Larger sends cost the broker and the consumer less per
     * message.
     */
    public ServiceConfig withDispatchLingerMs(long ms) {
        if (ms < 0 || ms > 100) {
            throw bad(DISPATCH_LINGER_MS, ms, "must be between 0 (send at once) and 100 ms");
        }
        ServiceConfig c = copy();
        c.dispatchLingerMs = ms;
        return c;
    }

    /** The least retry delay and the cap on it; delays double per attempt with jitter, see {@link Backoff}. */
    public ServiceConfig withRetryBackoffMs(long minMs, long maxMs) {
        if (minMs < 1 || minMs > 3_600_000) {
            throw bad(RETRY_BACKOFF_MIN_MS, minMs, "must be between 1 and 3600000 ms");
        }
        if (maxMs < minMs || maxMs > 3_600_000) {
            throw bad(RETRY_BACKOFF_MAX_MS, maxMs, "must be between " + RETRY_BACKOFF_MIN_MS + " (" + minMs
                    + ") and 3600000 ms");
        }
        ServiceConfig c = copy();
        c.retryBackoffMinMs = minMs;
        c.retryBackoffMaxMs = maxMs;
        return c;
    }

    /** How long {@code close()} waits for deliveries in flight before leaving them pending in the store. */
    public ServiceConfig withCloseTimeoutMs(long ms) {
        if (ms < 0 || ms > 600_000) {
            throw bad(CLOSE_TIMEOUT_MS, ms, "must be between 0 and 600000 ms");
        }
        ServiceConfig c = copy();
        c.closeTimeoutMs = ms;
        return c;
    }

    public long loadWindowMs() {
        return loadWindowMs;
    }

    public int maxWheelReferences() {
        return maxWheelReferences;
    }

    public int loadBatchSize() {
        return loadBatchSize;
    }

    public long loadIntervalMs() {
        return loadIntervalMs;
    }

    public long wheelTickMs() {
        return wheelTickMs;
    }

    public int maxFirePerStep() {
        return maxFirePerStep;
    }

    public int dispatchBatchSize() {
        return dispatchBatchSize;
    }

    /** Dispatch threads to run: as configured, or one per available processor (at least 2) when that is 0. */
    public int dispatchThreads() {
        return dispatchThreads > 0 ? dispatchThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    public long ackLingerMs() {
        return ackLingerMs;
    }

    public long ackBurstWaitMs() {
        return ackBurstWaitMs;
    }

    public long dispatchLingerMs() {
        return dispatchLingerMs;
    }

    public long retryBackoffMinMs() {
        return retryBackoffMinMs;
    }

    public long retryBackoffMaxMs() {
        return retryBackoffMaxMs;
    }

    public long closeTimeoutMs() {
        return closeTimeoutMs;
    }

    /** The wheel's shape: this tick, 256 slots, 4 levels. */
    public WheelConfig wheelConfig() {
        return new WheelConfig(wheelTickMs, WheelConfig.DEFAULT.slotsPerLevel(), WheelConfig.DEFAULT.levels());
    }

    @Override
    public String toString() {
        return LOAD_WINDOW_MS + "=" + loadWindowMs + ", " + MAX_WHEEL_REFERENCES + "=" + maxWheelReferences + ", "
                + LOAD_BATCH_SIZE + "=" + loadBatchSize + ", " + LOAD_INTERVAL_MS + "=" + loadIntervalMs + ", "
                + WHEEL_TICK_MS + "=" + wheelTickMs + ", " + MAX_FIRE_PER_STEP + "=" + maxFirePerStep + ", "
                + DISPATCH_BATCH_SIZE + "=" + dispatchBatchSize + ", " + DISPATCH_THREADS + "=" + dispatchThreads
                + ", " + ACK_LINGER_MS + "=" + ackLingerMs + ", " + ACK_BURST_WAIT_MS + "=" + ackBurstWaitMs
                + ", " + DISPATCH_LINGER_MS + "=" + dispatchLingerMs
                + ", " + RETRY_BACKOFF_MIN_MS + "=" + retryBackoffMinMs + ", " + RETRY_BACKOFF_MAX_MS + "="
                + retryBackoffMaxMs + ", " + CLOSE_TIMEOUT_MS + "=" + closeTimeoutMs;
    }
}
