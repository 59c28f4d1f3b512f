package io.sundial.proxy.config;

import java.util.Properties;

import static io.sundial.store.config.Settings.longInRange;
import static io.sundial.store.config.Settings.sizeInRange;

/**
 * What producers' connections and requests may hold or carry. Checked on every send, passed through or stored,
 * with the response code and wording a RocketMQ broker would use.
 *
 * @param maxInflightBytes    bytes of sends held from decoding to answer (waiting for a send thread, being stored
 *                            or passed through); beyond it sends are answered {@code SYSTEM_BUSY} at once, which a
 *                            5.x sync send retries
 * @param maxMessageSize      the largest message body, and the largest batch body (as the broker's
 *                            {@code maxMessageSize}); larger ones are refused {@code MESSAGE_ILLEGAL}
 * @param maxPropertiesLength the longest properties string of one message; the broker's record stores its length in
 *                            two bytes, so 32767 is also the most it can take
 * @param maxConnections      connections open at once on the remoting port; beyond it a new one is closed at once
 * @param idleTimeoutSeconds  a connection that neither sends nor receives this long is closed (clients heartbeat
 *                            every 30 s)
 */
public record RequestLimits(long maxInflightBytes, int maxMessageSize, int maxPropertiesLength, int maxConnections,
                            int idleTimeoutSeconds) {
    public static final String MAX_INFLIGHT_BYTES = "maxInflightBytes";
    public static final String MAX_MESSAGE_SIZE = "maxMessageSize";
    public static final String MAX_PROPERTIES_LENGTH = "maxPropertiesLength";
    public static final String MAX_CONNECTIONS = "maxConnections";
    public static final String IDLE_TIMEOUT_SECONDS = "idleTimeoutSeconds";

    public RequestLimits {
        if (maxInflightBytes < 64 * 1024) {
            throw new IllegalArgumentException("maxInflightBytes is " + maxInflightBytes + "; at least 64k");
        }
        if (maxMessageSize < 1024 || maxPropertiesLength < 1 || maxPropertiesLength > Short.MAX_VALUE
                || maxConnections < 1 || idleTimeoutSeconds < 1) {
            throw new IllegalArgumentException("limits out of range: " + maxMessageSize + ", " + maxPropertiesLength
                    + ", " + maxConnections + ", " + idleTimeoutSeconds);
        }
    }

    static RequestLimits fromProperties(Properties p) {
        return new RequestLimits(sizeInRange(p, MAX_INFLIGHT_BYTES, 128L << 20, 64L << 10, 64L << 30),
                (int) sizeInRange(p, MAX_MESSAGE_SIZE, 4L << 20, 1L << 10, 16L << 20),
                (int) longInRange(p, MAX_PROPERTIES_LENGTH, Short.MAX_VALUE, 1, Short.MAX_VALUE),
                (int) longInRange(p, MAX_CONNECTIONS, 10_000, 1, 1_000_000),
                (int) longInRange(p, IDLE_TIMEOUT_SECONDS, 120, 1, 86_400));
    }
}
