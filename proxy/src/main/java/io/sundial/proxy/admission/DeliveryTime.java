package io.sundial.proxy.admission;

/**
 * What a send's properties say about when to deliver it.
 */
public sealed interface DeliveryTime {
    /** No delivery time: pass through. */
    record None() implements DeliveryTime {
    }

    /**
     * Deliver at {@code dueMs} (epoch ms).
     *
     * @param dueMs    when
     * @param property the property it came from (for logs and remarks)
     */
    record At(long dueMs, String property) implements DeliveryTime {
    }

    /** The send is a cancel marker ({@code TIMER_DEL_UNIQKEY}) naming {@code topic + "+" + uniqKey}. */
    record CancelMarker(String target) implements DeliveryTime {
    }

    /**
     * Malformed or out of range: refuse with {@code MESSAGE_ILLEGAL} and this remark, never send now.
     *
     * @param property the offending property
     * @param reason   why, in words a developer can act on
     */
    record Illegal(String property, String reason) implements DeliveryTime {
        public String remark() {
            return "illegal delivery time in property " + property + ": " + reason;
        }
    }

    DeliveryTime NONE = new None();
}
