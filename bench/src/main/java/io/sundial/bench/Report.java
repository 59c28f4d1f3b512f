package io.sundial.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The comparison: medians over runs of each figure, Sundial beside the built-in timer per phase with the ratio
 * (how many times better Sundial is: greater than 1 means better), then the targets checked against
 * those medians. Also appends every run to a CSV as it finishes, so a bench cut short keeps what it measured.
 */
final class Report {
    static final String SUNDIAL = Target.SUNDIAL.label();
    static final String BUILT_IN = Target.BROKER.label();
    /** The target of the ceilings: the broker alone. No comma: runs.csv is read by CSV tools too. */
    static final String CEILING = "broker without timer";
    /** What runs.csv files before the nineteenth session named {@link #CEILING}, unquoted. */
    private static final String LEGACY_CEILING = "broker, no timer";

    /** Figures shown per scenario, and whether more is better. */
    private static final Map<String, List<String>> SHOWN = new LinkedHashMap<>();

    static {
        List<String> lateness = List.of("p50", "p99", "max", "storedP99", "hopP99", "lost", "duplicated", "early");
        SHOWN.put("ceiling", List.of("p50", "p99", "max", "storedP99", "hopP99", "sendRate"));
        SHOWN.put("herd", List.of("first", "p50", "p99", "max", "storedP99", "hopP99", "lost", "duplicated", "early",
                "sendRate", "sundialRssMiB", "brokerRssMiB", "sundialCpuS", "brokerCpuS", "benchCpuS"));
        List<String> cpu = List.of("sundialCpuS", "brokerCpuS", "benchCpuS");
        SHOWN.put("spread", concat(lateness, cpu));
        SHOWN.put(BurstCeilingRun.SCENARIO, List.of("p50", "p99", "max", "storedP99", "hopP99", "lost", "brokerCpuS",
                "benchCpuS"));
        SHOWN.put("ten", concat(lateness, cpu));
        SHOWN.put("delay", lateness);
        SHOWN.put("steady", concat(List.of("p50", "p99", "max", "storedP99", "hopP99", "drift", "lost",
                "duplicated", "early"), cpu));
        SHOWN.put("recall", List.of("recallRate", "recallP99Ms", "recallFailed", "deliveredAfterRecall"));
        SHOWN.put("send-async", List.of("sendRate", "sendP50Ms", "sendP99Ms", "failed"));
        SHOWN.put("send-sync", List.of("sendRate", "sendP50Ms", "sendP99Ms", "failed"));
        SHOWN.put("pending", List.of("sendRate", "peakRssMiB", "rssAfterMiB", "anonRssAfterMiB",
                "diskBytesPerTimer", "restartMs", "backupWritesHeldMs", "backupMs", "backupMiB"));
    }

    private static final List<String> MORE_IS_BETTER = List.of("sendRate", "recallRate");

    private final List<RunResult> results = new ArrayList<>();
    private final Path csv;

    Report(Path csv) {
        this.csv = csv;
    }

    /**
     * The runs of {@code files} (each a runs.csv of an earlier bench), for a comparison drawn again without
     * running: a later file's runs of a (phase, scenario, target) replace an earlier file's, so that a scenario
     * run again can be merged into a whole run. Charts are not drawn from a CSV (it holds no samples).
     */
    static Report fromCsv(List<Path> files) throws IOException {
        Report report = new Report(null);
        for (Path file : files) {
            Map<List<String>, Map<String, Double>> runs = new LinkedHashMap<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.split(",");
                if (f.length < 6) {
                    throw new IOException(file + ": not a runs.csv line: " + line);
                }
                String target = String.join(",", Arrays.copyOfRange(f, 2, f.length - 3));
                if (target.equals(LEGACY_CEILING)) {
                    target = CEILING;
                }
                int n = f.length;
                runs.computeIfAbsent(List.of(f[0], f[1], target, f[n - 3]), k -> new LinkedHashMap<>())
                        .put(f[n - 2], f[n - 1].isEmpty() ? Double.NaN : Double.parseDouble(f[n - 1]));
            }
            java.util.Set<List<String>> groups = new java.util.HashSet<>();
            runs.keySet().forEach(k -> groups.add(k.subList(0, 3)));
            report.results.removeIf(r -> groups.contains(List.of(r.phase(), r.scenario(), r.target())));
            runs.forEach((k, figures) -> report.results.add(new RunResult(k.get(0), k.get(1), k.get(2),
                    Integer.parseInt(k.get(3)), figures, null)));
        }
        return report;
    }

    synchronized void add(RunResult r) throws IOException {
        results.add(r);
        if (csv == null) {
            return;
        }
        boolean fresh = !Files.exists(csv);
        StringBuilder line = new StringBuilder();
        if (fresh) {
            line.append("phase,scenario,target,run,figure,value\n");
        }
        r.figures().forEach((name, v) -> line.append(String.join(",", r.phase(), r.scenario(), r.target(),
                Integer.toString(r.run()), name, fmt(v))).append('\n'));
        Files.writeString(csv, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    synchronized List<RunResult> results() {
        return List.copyOf(results);
    }

    /** Median of one figure over the runs of (phase, scenario, target); NaN if none. */
    synchronized double median(String phase, String scenario, String target, String figure) {
        double[] v = results.stream().filter(of(phase, scenario, target)).mapToDouble(r -> r.figure(figure))
                .filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The run whose p99 is the median one, for the charts. */
    synchronized RunResult medianRun(String phase, String scenario, String target) {
        List<RunResult> runs = results.stream().filter(of(phase, scenario, target))
                .filter(r -> r.lateness() != null).sorted((a, b) -> Double.compare(a.figure("p99"), b.figure("p99")))
                .toList();
        return runs.isEmpty() ? null : runs.get((runs.size() - 1) / 2);
    }

    synchronized double sum(String figure) {
        return results.stream().mapToDouble(r -> r.figure(figure)).filter(d -> !Double.isNaN(d)).sum();
    }

    /** The comparison tables, one per phase, in markdown. */
    synchronized String tables() {
        StringBuilder out = new StringBuilder();
        for (String phase : new TreeSet<>(results.stream().map(RunResult::phase).toList()).descendingSet()) {
            out.append("\n### Phase `").append(phase).append("`\n\n");
            double speedup = median(phase, BenchMain.MACHINE, BenchMain.MACHINE, "parallelSpeedup");
            if (!Double.isNaN(speedup)) {
                out.append(String.format(Locale.ROOT, "Machine at the phase's start: %.0f cores, %.2f× one core's"
                                + " arithmetic on all at once (%.0f M steps/s on one), %.0f ns per random memory read"
                                + " (see MachineCheck).%n%n",
                        median(phase, BenchMain.MACHINE, BenchMain.MACHINE, "cores"), speedup,
                        median(phase, BenchMain.MACHINE, BenchMain.MACHINE, "singleMops"),
                        median(phase, BenchMain.MACHINE, BenchMain.MACHINE, "memoryNs")));
            }
            out.append("| scenario | figure | Sundial | built-in timer | Sundial × better | runs |\n")
                    .append("| --- | --- | ---: | ---: | ---: | ---: |\n");
            for (Map.Entry<String, List<String>> e : SHOWN.entrySet()) {
                String scenario = e.getKey();
                boolean ceiling = isCeiling(scenario);
                String a = ceiling ? CEILING : SUNDIAL;
                long runs = results.stream().filter(of(phase, scenario, a)).count();
                if (runs == 0) {
                    continue;
                }
                for (String figure : e.getValue()) {
                    double s = median(phase, scenario, a, figure);
                    double b = ceiling ? Double.NaN : median(phase, scenario, BUILT_IN, figure);
                    out.append("| ").append(scenario).append(" | ").append(figure).append(" | ")
                            .append(fmt(s)).append(ceiling ? " (ceiling)" : "").append(" | ").append(fmt(b))
                            .append(" | ").append(ratio(figure, s, b)).append(" | ").append(runs).append(" |\n");
                }
            }
        }
        return out.toString();
    }

    /**
     * Built-in ÷ Sundial for times, the inverse for rates; none for counts, and none for one process's memory or
     * CPU during the delivery runs (in the built-in timer's runs Sundial idles, and the broker does different work
     * in each target's runs).
     */
    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    static String ratio(String figure, double sundial, double builtIn) {
        if (Double.isNaN(sundial) || Double.isNaN(builtIn) || List.of("lost", "duplicated", "early", "failed",
                "recallFailed", "deliveredAfterRecall", "first", "drift").contains(figure)
                || figure.matches("(sundial|broker|bench)(RssMiB|CpuS)")) {
            return "";
        }
        double r = MORE_IS_BETTER.contains(figure) ? sundial / builtIn : builtIn / Math.max(1, sundial);
        return String.format(Locale.ROOT, "%.2f", r);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.2f", v);
    }

    /** A scenario with no timer at all, run by the bench alone: a bound of the broker and consumer on these cores. */
    static boolean isCeiling(String scenario) {
        return scenario.equals("ceiling") || scenario.equals(BurstCeilingRun.SCENARIO);
    }

    private static Predicate<RunResult> of(String phase, String scenario, String target) {
        return r -> r.phase().equals(phase) && r.scenario().equals(scenario) && r.target().equals(target);
    }

    static String joined(double... values) {
        return String.join(" / ", Arrays.stream(values).mapToObj(Report::fmt).toList());
    }
}
