package io.sundial.proxy.cli.admin;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the times and durations admin commands take. */
final class TimeArgs {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private TimeArgs() {
    }

    /**
     * An instant as ISO-8601 with an offset ({@code 2026-12-01T08:00:00Z}, {@code ...+08:00}) or as epoch ms. A
     * date-time without an offset is refused: which zone was meant cannot be guessed.
     */
    static long instant(String text) {
        String t = text.trim();
        if (t.matches("\\d+")) {
            return Long.parseLong(t);
        }
        try {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            if (t.matches("\\d{4}-\\d{2}-\\d{2}T[\\d:.]+")) {
                throw new IllegalArgumentException("'" + text + "' has no offset: add one, e.g. " + t + "Z (UTC) or "
                        + t + "+08:00, or give epoch milliseconds");
            }
            throw new IllegalArgumentException("'" + text + "' is neither ISO-8601 with an offset (e.g. "
                    + "2026-12-01T08:00:00Z) nor epoch milliseconds");
        }
    }

    /** A duration such as {@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d}, or ISO-8601 ({@code PT10M}). */
    static long durationMs(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                default -> n * 86_400_000;
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT)).toMillis();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 90s, 10m, 2h, 7d)");
        }
    }
}
