package io.sundial.store.config;

import java.util.Locale;
import java.util.Properties;

/**
 * Parsing of setting values, with errors that name the setting and the bad value
 * ({@code setting flushIntervalMs=abc is invalid: must be a whole number}). Stateless.
 */
public final class Settings {
    private Settings() {
    }

    /** The trimmed value of {@code key}, or null when absent or blank. */
    public static String get(Properties props, String key) {
        String v = props.getProperty(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public static long parseLong(String key, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw bad(key, v, "must be a whole number");
        }
    }

    public static int parseInt(String key, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw bad(key, v, "must be a whole number that fits an int");
        }
    }

    /** The value of {@code key} as a whole number in {@code [min, max]}, or {@code def} when absent. */
    public static long longInRange(Properties props, String key, long def, long min, long max) {
        String v = get(props, key);
        if (v == null) {
            return def;
        }
        long n = parseLong(key, v);
        if (n < min || n > max) {
            throw bad(key, v, "must be between " + min + " and " + max);
        }
        return n;
    }

    /** Bytes, with an optional k/m/g suffix (powers of 1024). */
    public static long parseSize(String key, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(s.trim()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw bad(key, v, "must be a size in bytes, optionally with k, m or g");
        }
    }

    /** The value of {@code key} as a size in bytes in {@code [min, max]}, or {@code def} when absent. */
    public static long sizeInRange(Properties props, String key, long def, long min, long max) {
        String v = get(props, key);
        if (v == null) {
            return def;
        }
        long n = parseSize(key, v);
        if (n < min || n > max) {
            throw bad(key, v, "must be between " + min + " and " + max + " bytes");
        }
        return n;
    }

    public static IllegalArgumentException bad(String key, Object value, String why) {
        return new IllegalArgumentException("setting " + key + "=" + value + " is invalid: " + why);
    }
}
