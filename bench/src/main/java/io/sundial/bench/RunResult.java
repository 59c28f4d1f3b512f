package io.sundial.bench;

import java.util.Map;
import java.util.TreeMap;

/**
 * One run of one scenario against one target: its named figures (milliseconds, messages per second, MiB or
 * counts, as the name says) and, for the delivery scenarios, the lateness sample for the charts.
 */
record RunResult(String phase, String scenario, String target, int run, Map<String, Double> figures,
                 Distribution lateness) {
    RunResult {
        figures = new TreeMap<>(figures);
    }

    double figure(String name) {
        Double v = figures.get(name);
        return v == null ? Double.NaN : v;
    }
}
