package io.sundial.proxy.config;

import java.util.Properties;

import static io.sundial.store.config.Settings.sizeInRange;

/**
 * How much producers' requests may hold at once.
 *
 * @param maxInflightBytes bytes of sends held from decoding to answer (waiting for a send thread, being stored or
 *                         passed through); beyond it sends are answered {@code SYSTEM_BUSY} at once, which a 5.x
 *                         sync send retries
 */
public record RequestLimits(long maxInflightBytes) {
    public static final String MAX_INFLIGHT_BYTES = "maxInflightBytes";

    public RequestLimits {
        if (maxInflightBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxInflightBytes is " + maxInflightBytes + "; at least 64k");
        }
    }

    static RequestLimits fromProperties(Properties p) {
        return new RequestLimits(sizeInRange(p, MAX_INFLIGHT_BYTES, 128L << 20, 64L << 10, 64L << 30));
    }
}
