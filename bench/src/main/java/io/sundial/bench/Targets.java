package io.sundial.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.sundial.bench.Report.BUILT_IN;
import static io.sundial.bench.Report.CEILING;
import static io.sundial.bench.Report.SUNDIAL;

/** The targets, checked against the medians of a bench run; a target without its data is skipped. */
final class Targets {
    static final String DEFAULT = "default";
    static final String TUNED = "tuned";
    /** The default broker configuration in two broker groups: no target of its own, a check of routing's cost. */
    static final String TWO_GROUPS = "two-groups";

    /** One checked target: what it asks, what was measured, met or not ({@code met} null: reported only). */
    record Check(String target, String measured, Boolean met) {
        String row() {
            return "| " + target + " | " + measured + " | " + (met == null ? "reported" : met ? "met" : "**missed**")
                    + " |";
        }
    }

    private final Report report;
    private final List<Check> checks = new ArrayList<>();

    Targets(Report report) {
        this.report = report;
    }

    List<Check> check() {
        checks.clear();
        double herdP99 = m(DEFAULT, "herd", SUNDIAL, "p99");
        atMost("herd: Sundial p99 <= 1,200 ms", herdP99, 1200);
        atMost("herd: Sundial max <= 1,500 ms", m(DEFAULT, "herd", SUNDIAL, "max"), 1500);
        atMost("herd: first message <= 20 ms late", m(DEFAULT, "herd", SUNDIAL, "first"), 20);
        atLeastTimes("herd: p99 >= 2x better than the default built-in timer",
                m(DEFAULT, "herd", BUILT_IN, "p99"), herdP99, 2);
        atLeastTimes("herd: p99 better than the tuned built-in timer (tuned phase)",
                m(TUNED, "herd", BUILT_IN, "p99"), m(TUNED, "herd", SUNDIAL, "p99"), 1.0001);
        double ceiling = m(DEFAULT, "ceiling", CEILING, "p99");
        if (!Double.isNaN(ceiling) && !Double.isNaN(herdP99)) {
            checks.add(new Check("herd: Sundial p99 against the ceiling (batch ingest p99, consumer running)",
                    String.format(Locale.ROOT, "%s ms vs %s ms (%.2fx the ceiling)", Report.fmt(herdP99),
                            Report.fmt(ceiling), herdP99 / ceiling), null));
        }
        for (String scenario : List.of("spread", "ten")) {
            double p99 = m(DEFAULT, scenario, SUNDIAL, "p99");
            atMost(scenario + ": Sundial p99 <= 20 ms", p99, 20);
            atLeastTimes(scenario + ": p99 >= 5x better than the tuned built-in timer (tuned phase)",
                    m(TUNED, scenario, BUILT_IN, "p99"), m(TUNED, scenario, SUNDIAL, "p99"), 5);
        }
        atMost("DELAY level 3: Sundial p99 <= 20 ms", m(DEFAULT, "delay", SUNDIAL, "p99"), 20);
        double burstCeiling = m(DEFAULT, BurstCeilingRun.SCENARIO, CEILING, "p99");
        for (String scenario : List.of("ten", "delay")) {
            double p99 = m(DEFAULT, scenario, SUNDIAL, "p99");
            if (!Double.isNaN(burstCeiling) && !Double.isNaN(p99)) {
                checks.add(new Check(scenario + ": Sundial p99 against the burst's ceiling (an ideal scheduler in"
                        + " the bench, consumer running)", String.format(Locale.ROOT, "%s ms vs %s ms",
                        Report.fmt(p99), Report.fmt(burstCeiling)), null));
            }
        }
        atLeastTimes("send, ASYNC_FLUSH: Sundial >= the broker's timer-message rate",
                m(DEFAULT, "send-async", SUNDIAL, "sendRate"), m(DEFAULT, "send-async", BUILT_IN, "sendRate"), 1);
        atLeastTimes("send, Sundial SYNC_FLUSH: >= 70% of the broker's (ASYNC_FLUSH) rate",
                m(DEFAULT, "send-sync", SUNDIAL, "sendRate"), m(DEFAULT, "send-sync", BUILT_IN, "sendRate"), 0.7);
        atMost("1 M pending: Sundial peak RSS <= 512 MiB", m(DEFAULT, "pending", SUNDIAL, "peakRssMiB"), 512);
        atMost("1 M pending: Sundial restart to serving <= 5,000 ms", m(DEFAULT, "pending", SUNDIAL, "restartMs"),
                5000);
        atMost("steady 5,000/s: p99 drift (last minute - first) <= 20 ms", m(DEFAULT, "steady", SUNDIAL, "drift"),
                20);
        atMost("recall: recalled messages delivered", m(DEFAULT, "recall", SUNDIAL, "deliveredAfterRecall"), 0);
        sumZero("no early delivery in any Sundial run", "early");
        sumZero("nothing lost in any Sundial run", "lost");
        return List.copyOf(checks);
    }

    String table() {
        StringBuilder out = new StringBuilder("| target | measured (median) | |\n| --- | --- | --- |\n");
        for (Check c : check()) {
            out.append(c.row()).append('\n');
        }
        return out.toString();
    }

    private double m(String phase, String scenario, String target, String figure) {
        return report.median(phase, scenario, target, figure);
    }

    private void atMost(String target, double value, double bound) {
        if (!Double.isNaN(value)) {
            checks.add(new Check(target, Report.fmt(value), value <= bound));
        }
    }

    /** {@code better / worse >= times}: for lateness pass (built-in, Sundial); for rates (Sundial, built-in). */
    private void atLeastTimes(String target, double numerator, double denominator, double times) {
        if (!Double.isNaN(numerator) && !Double.isNaN(denominator)) {
            double r = numerator / Math.max(1e-9, denominator);
            checks.add(new Check(target, String.format(Locale.ROOT, "%s vs %s (%.2fx)", Report.fmt(numerator),
                    Report.fmt(denominator), r), r >= times));
        }
    }

    private void sumZero(String target, String figure) {
        double total = report.results().stream().filter(r -> r.target().equals(SUNDIAL))
                .mapToDouble(r -> r.figure(figure)).filter(d -> !Double.isNaN(d)).sum();
        boolean any = report.results().stream().anyMatch(r -> r.target().equals(SUNDIAL)
                && !Double.isNaN(r.figure(figure)));
        if (any) {
            checks.add(new Check(target, Report.fmt(total), total == 0));
        }
    }
}
