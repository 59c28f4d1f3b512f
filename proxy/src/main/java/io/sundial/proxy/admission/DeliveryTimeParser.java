package io.sundial.proxy.admission;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Reads a send's delivery time from its properties, in the stock broker's order of precedence
 * ({@code HookUtils}) plus one: a {@code DELAY} level above 0, then {@code TIMER_DELAY_SEC},
 * {@code TIMER_DELAY_MS}, {@code TIMER_DELIVER_MS}, then the user property {@code __STARTDELIVERTIME} (epoch ms,
 * Alibaba Cloud's convention). A cancel marker ({@code TIMER_DEL_UNIQKEY}) is recognised before all of them.
 *
 * <p>Relative delays count from the producer's send: the {@code bornTimestamp} its client stamps on the request,
 * if that lies no further than {@code sendClockTolerance} before {@code nowMs}, Sundial's receipt; otherwise (a
 * producer clock ahead of Sundial's, or far behind it) from the receipt, as the broker counts them. A delay asked
 * for at the send then does not also absorb the send's own queueing and travel (decision 0025). All arithmetic is
 * checked: an overflowing value
 * is illegal, never an immediate send (apache/rocketmq #10872). A due time beyond {@code maxDelay} is illegal.
 * A due time at or before now is legal: the caller forwards it at once. Stateless and thread-safe.
 */
public final class DeliveryTimeParser {
    public static final String DELAY = "DELAY";
    public static final String TIMER_DELAY_SEC = "TIMER_DELAY_SEC";
    public static final String TIMER_DELAY_MS = "TIMER_DELAY_MS";
    public static final String TIMER_DELIVER_MS = "TIMER_DELIVER_MS";
    public static final String START_DELIVER_TIME = "__STARTDELIVERTIME";
    public static final String TIMER_DEL_UNIQKEY = "TIMER_DEL_UNIQKEY";

    /** Properties that make the backend broker delay a message; removed before it is sent there. */
    public static final List<String> DELAY_PROPERTIES =
            List.of(DELAY, TIMER_DELAY_SEC, TIMER_DELAY_MS, TIMER_DELIVER_MS, START_DELIVER_TIME);

    /** Epoch milliseconds below this are seconds sent by mistake (10^12 ms is September 2001). */
    private static final long SMALLEST_EPOCH_MS = 1_000_000_000_000L;

    private final long[] delayLevelsMs;
    private final long maxDelayMs;
    private final long sendClockToleranceMs;

    /**
     * @param delayLevelsMs      the 4.x delay-level table, level 1 first
     * @param maxDelay           the furthest a due time may lie ahead
     * @param sendClockTolerance how far before the receipt a send's born time may lie and still be where its
     *                           relative delay counts from; zero counts every delay from the receipt
     */
    public DeliveryTimeParser(long[] delayLevelsMs, Duration maxDelay, Duration sendClockTolerance) {
        if (delayLevelsMs.length == 0) {
            throw new IllegalArgumentException("the delay-level table must not be empty");
        }
        this.delayLevelsMs = delayLevelsMs.clone();
        this.maxDelayMs = maxDelay.toMillis();
        this.sendClockToleranceMs = sendClockTolerance.toMillis();
    }

    /** Parses RocketMQ's {@code messageDelayLevel} syntax: {@code "1s 5s 10s 30s 1m ... 2h"} (units s, m, h, d). */
    public static long[] parseLevels(String table) {
        String[] parts = table.trim().split("\\s+");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            char unit = p.charAt(p.length() - 1);
            long scale = switch (unit) {
                case 's' -> 1_000L;
                case 'm' -> 60_000L;
                case 'h' -> 3_600_000L;
                case 'd' -> 86_400_000L;
                default -> throw new IllegalArgumentException("delay level '" + p + "' must end in s, m, h or d");
            };
            try {
                out[i] = Math.multiplyExact(Long.parseLong(p.substring(0, p.length() - 1)), scale);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("delay level '" + p + "' is not a number of " + unit);
            }
        }
        return out;
    }

    public static final String DEFAULT_LEVELS = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

    /** As {@link #parse(Map, long, long)} for a send that carries no born time: relative delays from now. */
    public DeliveryTime parse(Map<String, String> properties, long nowMs) {
        return parse(properties, nowMs, nowMs);
    }

    /**
     * @param nowMs  Sundial's receipt of the send
     * @param bornMs the send's {@code bornTimestamp}, stamped by the producer's client (its clock)
     */
    public DeliveryTime parse(Map<String, String> properties, long nowMs, long bornMs) {
        long origin = bornMs <= nowMs && nowMs - bornMs <= sendClockToleranceMs ? bornMs : nowMs;
        String marker = properties.get(TIMER_DEL_UNIQKEY);
        if (marker != null) {
            return new DeliveryTime.CancelMarker(marker);
        }
        String delay = properties.get(DELAY);
        if (delay != null) {
            int level;
            try {
                level = Integer.parseInt(delay.trim());
            } catch (NumberFormatException e) {
                return new DeliveryTime.Illegal(DELAY, "'" + delay + "' is not a whole number");
            }
            if (level > 0) {
                int clamped = Math.min(level, delayLevelsMs.length);
                return checkedDue(DELAY, origin, delayLevelsMs[clamped - 1], nowMs);
            }
        }
        String sec = properties.get(TIMER_DELAY_SEC);
        if (sec != null) {
            Long v = parseLong(sec);
            if (v == null) {
                return new DeliveryTime.Illegal(TIMER_DELAY_SEC, "'" + sec + "' is not a whole number of seconds");
            }
            if (v < 0) {
                return new DeliveryTime.Illegal(TIMER_DELAY_SEC, "negative delay " + v);
            }
            long ms;
            try {
                ms = Math.multiplyExact(v, 1000L);
            } catch (ArithmeticException e) {
                return new DeliveryTime.Illegal(TIMER_DELAY_SEC, v + " seconds overflows");
            }
            return checkedDue(TIMER_DELAY_SEC, origin, ms, nowMs);
        }
        String ms = properties.get(TIMER_DELAY_MS);
        if (ms != null) {
            Long v = parseLong(ms);
            if (v == null) {
                return new DeliveryTime.Illegal(TIMER_DELAY_MS, "'" + ms + "' is not a whole number of milliseconds");
            }
            if (v < 0) {
                return new DeliveryTime.Illegal(TIMER_DELAY_MS, "negative delay " + v);
            }
            return checkedDue(TIMER_DELAY_MS, origin, v, nowMs);
        }
        String deliver = properties.get(TIMER_DELIVER_MS);
        if (deliver != null) {
            return absolute(TIMER_DELIVER_MS, deliver, nowMs);
        }
        String start = properties.get(START_DELIVER_TIME);
        if (start != null) {
            return absolute(START_DELIVER_TIME, start, nowMs);
        }
        return DeliveryTime.NONE;
    }

    private DeliveryTime absolute(String property, String value, long nowMs) {
        Long v = parseLong(value);
        if (v == null) {
            return new DeliveryTime.Illegal(property, "'" + value + "' is not an epoch time in milliseconds");
        }
        if (v < SMALLEST_EPOCH_MS) {
            return new DeliveryTime.Illegal(property, v + " is before 2001-09-09: epoch milliseconds expected"
                    + (v > 0 && v < SMALLEST_EPOCH_MS / 1000 * 10 ? " (this looks like seconds)" : ""));
        }
        return checkedDue(property, v, 0, nowMs);
    }

    private DeliveryTime checkedDue(String property, long base, long delayMs, long nowMs) {
        long due;
        try {
            due = Math.addExact(base, delayMs);
        } catch (ArithmeticException e) {
            return new DeliveryTime.Illegal(property, "delay of " + delayMs + " ms overflows");
        }
        if (due - nowMs > maxDelayMs) {
            return new DeliveryTime.Illegal(property, "due " + Duration.ofMillis(due - nowMs) + " from now, beyond"
                    + " the maximum delay of " + Duration.ofMillis(maxDelayMs) + " (maxDelay)");
        }
        return new DeliveryTime.At(due, property);
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
