package io.sundial.proxy.cli.admin;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import com.alibaba.fastjson2.JSONWriter;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints admin answers: pretty JSON ({@code --json}) or aligned tables. Every field ending in {@code TimeMs}
 * (epoch ms) gains a sibling without the {@code Ms} suffix, ISO-8601 in UTC, or in the local zone with
 * {@code --local}.
 */
final class AdminPrinter {
    /** ISO-8601 always with milliseconds, so that times line up in a table. */
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");

    private final PrintStream out;
    private final boolean json;
    private final ZoneId zone;

    AdminPrinter(PrintStream out, boolean json, boolean local) {
        this.out = out;
        this.json = json;
        this.zone = local ? ZoneId.systemDefault() : ZoneOffset.UTC;
    }

    boolean json() {
        return json;
    }

    /** Adds the ISO-8601 form of every {@code ...TimeMs} field, in place, at any depth. */
    void addIsoTimes(Object node) {
        if (node instanceof JSONObject o) {
            for (Map.Entry<String, Object> e : new ArrayList<>(o.entrySet())) {
                if (e.getKey().endsWith("TimeMs") && e.getValue() instanceof Number n) {
                    o.put(e.getKey().substring(0, e.getKey().length() - 2), iso(n.longValue()));
                } else {
                    addIsoTimes(e.getValue());
                }
            }
        } else if (node instanceof JSONArray a) {
            a.forEach(this::addIsoTimes);
        }
    }

    String iso(long epochMs) {
        return ISO_MILLIS.format(Instant.ofEpochMilli(epochMs).atZone(zone));
    }

    void printJson(JSONObject body) {
        out.println(body.toJSONString(JSONWriter.Feature.PrettyFormat, JSONWriter.Feature.WriteNulls));
    }

    /** Key/value lines, keys aligned. */
    void printFields(JSONObject body, List<String> keys) {
        int width = keys.stream().mapToInt(String::length).max().orElse(0);
        for (String k : keys) {
            if (body.containsKey(k)) {
                out.printf("%-" + width + "s  %s%n", k, text(body.get(k)));
            }
        }
    }

    /** The timers of an answer, one row each. */
    void printTimers(JSONArray timers, boolean withOutcome) {
        List<String> header = new ArrayList<>(List.of("TOPIC", "QUEUE", "UNIQ_KEY", "KEYS", "TAGS", "DUE",
                "ENQUEUED", "BODY", "STATE"));
        if (withOutcome) {
            header.add("OUTCOME");
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < timers.size(); i++) {
            JSONObject t = timers.getJSONObject(i);
            List<String> row = new ArrayList<>(List.of(text(t.get("topic")), text(t.get("queueId")),
                    text(t.get("uniqKey")), text(t.get("keys")), text(t.get("tags")), text(t.get("dueTime")),
                    text(t.get("enqueueTime")), text(t.get("bodySize")), text(t.get("state"))));
            if (withOutcome) {
                row.add(text(t.get("outcome")));
            }
            rows.add(row);
        }
        printTable(header, rows);
    }

    void printTable(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = header.get(c).length();
            for (List<String> r : rows) {
                widths[c] = Math.max(widths[c], r.get(c).length());
            }
        }
        printRow(header, widths);
        rows.forEach(r -> printRow(r, widths));
    }

    private void printRow(List<String> cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                b.append("  ");
            }
            b.append(c == cells.size() - 1 ? cells.get(c) : String.format("%-" + widths[c] + "s", cells.get(c)));
        }
        out.println(b.toString().stripTrailing());
    }

    static String text(Object v) {
        if (v == null) {
            return "-";
        }
        String s = v.toString().replaceAll("\\s*\\R\\s*", " "); // one line per row, whatever a remark holds
        return s.isEmpty() ? "-" : s;
    }
}
