package io.sundial.store.record;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads RocketMQ's property encoding ({@code name\u0001value\u0002} pairs) without building a map, for the
 * few properties the store itself needs: the unique key, the message keys, and the fingerprint of a retry.
 *
 * <p>The store does not depend on RocketMQ's jars (the proxy does); this is the one piece of the format it
 * must read, kept tolerant: a pair without a separator is skipped, never an exception.
 */
public final class MessageProperties {
    public static final char NAME_VALUE_SEPARATOR = '\u0001';
    public static final char PROPERTY_SEPARATOR = '\u0002';

    public static final String UNIQ_KEY = "UNIQ_KEY";
    public static final String KEYS = "KEYS";

    /** Properties whose values are relative to the moment of receipt: a retry may carry them unchanged. */
    private static final List<String> RELATIVE_DELAY = List.of("DELAY", "TIMER_DELAY_SEC", "TIMER_DELAY_MS");

    private MessageProperties() {
    }

    /** The value of {@code name} in {@code properties}, or null when absent. */
    public static String get(String properties, String name) {
        int start = 0;
        int length = properties.length();
        while (start < length) {
            int end = properties.indexOf(PROPERTY_SEPARATOR, start);
            if (end < 0) {
                end = length;
            }
            int sep = properties.indexOf(NAME_VALUE_SEPARATOR, start);
            if (sep > start && sep < end && sep - start == name.length() && properties.startsWith(name, start)) {
                return properties.substring(sep + 1, end);
            }
            start = end + 1;
        }
        return null;
    }

    /** {@code properties} with {@code name=value} appended (the caller knows {@code name} is absent). */
    public static String with(String properties, String name, String value) {
        StringBuilder sb = new StringBuilder(properties.length() + name.length() + value.length() + 2);
        sb.append(properties);
        if (!properties.isEmpty() && properties.charAt(properties.length() - 1) != PROPERTY_SEPARATOR) {
            sb.append(PROPERTY_SEPARATOR);
        }
        return sb.append(name).append(NAME_VALUE_SEPARATOR).append(value).append(PROPERTY_SEPARATOR).toString();
    }

    /** The message keys: RocketMQ separates several keys in {@code KEYS} with spaces. Empty keys are dropped. */
    public static List<String> keys(String properties) {
        String keys = get(properties, KEYS);
        if (keys == null || keys.isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        for (String key : keys.split(" ")) {
            if (!key.isEmpty() && !out.contains(key)) {
                out.add(key);
            }
        }
        return out;
    }

    /**
     * The properties as they matter for recognising a retry: every pair except the values of relative delays,
     * which a producer's retry repeats but which Sundial turns into different due times. Pair order is kept,
     * as a retry re-sends the same encoded string.
     */
    public static String withoutRelativeDelayValues(String properties) {
        if (properties.indexOf("DELAY") < 0) {
            return properties;
        }
        StringBuilder sb = new StringBuilder(properties.length());
        int start = 0;
        int length = properties.length();
        while (start < length) {
            int end = properties.indexOf(PROPERTY_SEPARATOR, start);
            if (end < 0) {
                end = length;
            }
            int sep = properties.indexOf(NAME_VALUE_SEPARATOR, start);
            if (sep > start && sep < end && RELATIVE_DELAY.contains(properties.substring(start, sep))) {
                sb.append(properties, start, sep + 1);
            } else {
                sb.append(properties, start, end);
            }
            sb.append(PROPERTY_SEPARATOR);
            start = end + 1;
        }
        return sb.toString();
    }
}
