package io.sundial.store;

import io.sundial.store.log.FlushMode;
import io.sundial.store.time.ManualClock;

import java.nio.file.Path;

/**
 * Store configurations for tests: small segments, no background reclaim, sparse segments compacted at once, a
 * manual clock.
 */
final class StoreFixture {
    static final long T0 = 1_750_000_000_000L;

    private StoreFixture() {
    }

    static StoreConfig config(Path dir) {
        return StoreConfig.defaults()
                .withStorePath(dir)
                .withSegmentSize(1 << 20)
                .withIndexMemoryBudget(16L << 20)
                .withFlushMode(FlushMode.ASYNC_FLUSH)
                .withReclaimIntervalMs(0)
                .withCompactionDelayMs(0)
                .withMinFreeDiskBytes(64L << 20);
    }

    static ManualClock clock() {
        return new ManualClock(T0);
    }
}
