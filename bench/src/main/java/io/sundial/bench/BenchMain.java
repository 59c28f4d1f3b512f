package io.sundial.bench;

import org.apache.rocketmq.common.message.Message;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code bin/sundial bench compare}: Sundial against RocketMQ 5.5.0's built-in timer, side by side in one run, with
 * the stock client. Each phase starts a real name server and broker on a fresh store (the {@code tuned} phase with
 * {@code timerPrecisionMs=100}) and Sundial in front of them, then runs each scenario against both targets,
 * alternating which goes first. Prints the comparison and the targets, and writes runs.csv, summary.md and the
 * lateness charts under {@code --out}.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Side-by-side benchmark: Sundial vs RocketMQ's built-in timer (docs/benchmarks.md).")
public final class BenchMain implements Callable<Integer> {
    static final List<String> ALL = List.of("ceiling", "herd", "spread", BurstCeilingRun.SCENARIO, "ten", "delay",
            "steady", "recall", "send", "pending");
    /** The runs.csv scenario and target of a phase's {@link MachineCheck}. */
    static final String MACHINE = "machine";
    /** What the tuned and the two-groups phases run: the scenarios their comparisons need. */
    static final List<String> TUNED_SCENARIOS = List.of("ceiling", "herd", "spread", BurstCeilingRun.SCENARIO, "ten");

    @Option(names = "--dir", defaultValue = "data/bench", description = "scratch data (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--out", description = "results directory (default: DIR/results-<time>)")
    Path out;

    @Option(names = "--phases", split = ",", defaultValue = "default,tuned",
            description = "broker configurations: default (timerPrecisionMs=1000), tuned (100), two-groups (default,"
                    + " two broker groups of 4 queues per topic each; not by default)")
    List<String> phases;

    @Option(names = "--scenarios", split = ",", description = "subset of " + "ceiling,herd,spread,ten-ceiling,"
            + "ten,delay,steady,recall,send,pending (default: all; the tuned phase runs only ceiling,herd,spread,"
            + "ten-ceiling,ten)")
    List<String> scenarios;

    @Option(names = "--targets", split = ",", defaultValue = "sundial,broker",
            description = "which to measure: sundial, broker (the built-in timer); both by default, as the"
                    + " comparison needs")
    List<String> targetNames;

    @Option(names = "--report", split = ",", paramLabel = "RUNS_CSV",
            description = "runs nothing: prints the comparison of these runs.csv files (a later file's runs of a"
                    + " phase, scenario and target replace an earlier file's) and writes it to --out/summary.md")
    List<Path> reportFrom;

    @Option(names = "--runs", defaultValue = "3",
            description = "runs per scenario and target; figures are their medians (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--steady-runs", defaultValue = "1",
            description = "runs of the steady scenario per target (default ${DEFAULT-VALUE})")
    int steadyRuns;

    @Option(names = "--recall-runs", defaultValue = "1",
            description = "runs of the recall scenario per target (default ${DEFAULT-VALUE})")
    int recallRuns;

    @Option(names = "--herd", defaultValue = "100000",
            description = "messages due at one instant in the herd, and sent by the ceiling (default ${DEFAULT-VALUE})")
    int herd;
    @Option(names = "--herd-lead-ms", defaultValue = "25000",
            description = "the herd's due time after its first send (default ${DEFAULT-VALUE})")
    long herdLeadMs;
    @Option(names = "--spread", defaultValue = "100000",
            description = "messages of the spread scenario, due 5-35 s after their send (default ${DEFAULT-VALUE})")
    int spread;
    @Option(names = "--ten", defaultValue = "10000",
            description = "messages due 10 s after their send, and handed over by the 10 s ceiling"
                    + " (default ${DEFAULT-VALUE})")
    int ten;
    @Option(names = "--delay", defaultValue = "10000",
            description = "messages with the 4.x delay level 3, 10 s (default ${DEFAULT-VALUE})")
    int delay;
    @Option(names = "--send", defaultValue = "100000",
            description = "timer messages of each send-throughput run (default ${DEFAULT-VALUE})")
    int send;
    @Option(names = "--steady-rate", defaultValue = "5000",
            description = "messages a second of the steady scenario, each due 10 s after its send"
                    + " (default ${DEFAULT-VALUE})")
    int steadyRate;
    @Option(names = "--steady-seconds", defaultValue = "300",
            description = "how long the steady scenario sends (default ${DEFAULT-VALUE})")
    int steadySeconds;
    @Option(names = "--recalls", defaultValue = "100000",
            description = "timed sends recalled in the recall scenario (default ${DEFAULT-VALUE})")
    int recalls;
    @Option(names = "--recall-lead-ms", defaultValue = "90000",
            description = "how far ahead the recalled messages are due (default ${DEFAULT-VALUE})")
    long recallLeadMs;
    @Option(names = "--pending", defaultValue = "1000000",
            description = "timers of the pending scenario, due in an hour (default ${DEFAULT-VALUE})")
    int pending;
    @Option(names = "--pending-restarts", defaultValue = "3",
            description = "restarts timed with that many pending (default ${DEFAULT-VALUE})")
    int pendingRestarts;
    @Option(names = "--warmup", defaultValue = "100000",
            description = "timed messages through each target at the start of a phase, spread, then due at one"
                    + " instant, then a quarter as many at 5,000/s; not measured (JIT, caches;"
                    + " default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--in-flight", defaultValue = "256",
            description = "asynchronous sends awaiting their answer at most, per producer (default ${DEFAULT-VALUE})")
    int inFlight;
    @Option(names = "--body", defaultValue = "1024", description = "body size in bytes (default ${DEFAULT-VALUE})")
    int body;
    @Option(names = "--broker-heap-mb", defaultValue = "1024",
            description = "the broker's heap, -Xms and -Xmx (default ${DEFAULT-VALUE})")
    int brokerHeapMb;
    @Option(names = "--sundial-java-opts", defaultValue = "-Xms256m -Xmx1g",
            description = "Sundial's JVM options (default: bin/sundial's, ${DEFAULT-VALUE})")
    String sundialJavaOpts;
    @Option(names = "--sundial-set", description = "a Sundial setting for the whole run, KEY=VALUE (repeatable;"
            + " conf/sundial.properties lists them)")
    Map<String, String> sundialProperties = new LinkedHashMap<>();
    @Option(names = "--broker-set", description = "a broker setting for every phase, KEY=VALUE (repeatable), after"
            + " the phase's own: for finding where a tail comes from, not for comparisons")
    Map<String, String> brokerSettings = new LinkedHashMap<>();
    @Option(names = "--sundial-flush", defaultValue = "SYNC_FLUSH",
            description = "Sundial's flushDiskType outside the send scenario (default: the product's, ${DEFAULT-VALUE})")
    String sundialFlush;

    @Option(names = "--raw", description = "also write each delivery run's messages (due, fired, stored, received"
            + " times) to OUT/raw/, for finding where a tail comes from")
    boolean raw;

    @Spec
    CommandSpec spec;

    private Report report;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (reportFrom != null) {
            Report merged = Report.fromCsv(reportFrom);
            String summary = "# Sundial vs the built-in timer (from " + reportFrom + ")\n" + merged.tables()
                    + "\n### Targets\n\n" + new Targets(merged).table();
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("summary.md"), summary, StandardCharsets.UTF_8);
            }
            System.out.println(summary);
            return 0;
        }
        requireOptions();
        Path home = Path.of(System.getProperty("sundial.home", ".")).toAbsolutePath().normalize();
        Path root = dir.toAbsolutePath();
        Path results = out != null ? out.toAbsolutePath()
                : root.resolve("results-" + Instant.now().toString().replace(':', '-').substring(0, 19));
        Files.createDirectories(results);
        BenchSettings settings = new BenchSettings(home, runs, inFlight, body, sundialJavaOpts, sundialFlush,
                brokerHeapMb, herd, herdLeadMs, spread, ten, delay, send, steadyRate, steadySeconds, recalls,
                recallLeadMs, pending, sundialProperties,
                raw ? results.resolve("raw") : null);
        report = new Report(results.resolve("runs.csv"));
        List<String> wanted = scenarios == null ? ALL : scenarios;
        System.out.println("Results in " + results);
        for (String phaseName : phases) {
            Map<String, String> brokerProps = new LinkedHashMap<>();
            // The broker refuses recallMessage unless told otherwise (5.5.0: "recall failed, operation is forbidden").
            brokerProps.put("recallMessageEnable", "true");
            if (phaseName.equals(Targets.TUNED)) {
                brokerProps.put("timerPrecisionMs", "100");
            }
            brokerProps.putAll(brokerSettings);
            MachineCheck.Result machine = MachineCheck.measure(Runtime.getRuntime().availableProcessors(),
                    Duration.ofSeconds(1));
            report.add(new RunResult(phaseName, MACHINE, MACHINE, 0, Map.of("cores", (double) machine.cores(),
                    "singleMops", machine.singleMops(), "parallelSpeedup", machine.parallelSpeedup(),
                    "memoryNs", machine.memoryNs()), null));
            System.out.println("\n== phase " + phaseName + " " + brokerProps + " (" + machine.line()
                    + "): starting RocketMQ 5.5.0 and Sundial");
            int groups = phaseName.equals(Targets.TWO_GROUPS) ? 2 : 1;
            try (Phase phase = Phase.start(phaseName, root.resolve(phaseName), settings, brokerProps, groups)) {
                warmUp(phase, settings);
                for (String s : wanted) {
                    if (!phaseName.equals(Targets.DEFAULT) && !TUNED_SCENARIOS.contains(s)) {
                        continue;
                    }
                    runScenario(phase, settings, s, wanted);
                }
            }
            writeCharts(results.resolve("charts"), phaseName);
        }
        String summary = "# Sundial vs the built-in timer (" + Instant.now() + ")\n" + report.tables()
                + "\n### Targets\n\n" + new Targets(report).table();
        Files.writeString(results.resolve("summary.md"), summary, StandardCharsets.UTF_8);
        System.out.println("\n" + summary);
        return 0;
    }

    /** Refuses what would fail or measure nothing, before an hour of runs rather than inside them. */
    private void requireOptions() {
        for (String s : scenarios == null ? ALL : scenarios) {
            require(ALL.contains(s), "unknown scenario " + s + " (" + String.join(",", ALL) + ")");
        }
        for (String t : targetNames) {
            require(List.of("sundial", "broker").contains(t), "unknown target " + t + " (sundial, broker)");
        }
        for (String p : phases) {
            require(List.of(Targets.DEFAULT, Targets.TUNED, Targets.TWO_GROUPS).contains(p),
                    "unknown phase " + p + " (" + Targets.DEFAULT + ", " + Targets.TUNED + ", " + Targets.TWO_GROUPS
                            + ")");
        }
        require(runs >= 1 && steadyRuns >= 1 && recallRuns >= 1 && pendingRestarts >= 1,
                "--runs, --steady-runs, --recall-runs and --pending-restarts must be at least 1");
        require(herd >= 1 && spread >= 1 && ten >= 1 && delay >= 1 && send >= 1 && recalls >= 1 && pending >= 1,
                "--herd, --spread, --ten, --delay, --send, --recalls and --pending must be at least 1");
        require(steadyRate >= 1 && steadySeconds >= 1, "--steady-rate and --steady-seconds must be at least 1");
        require(herdLeadMs >= 1 && recallLeadMs >= 1, "--herd-lead-ms and --recall-lead-ms must be at least 1");
        // The stock client refuses an empty body before sending it.
        require(inFlight >= 1 && body >= 1 && brokerHeapMb >= 64 && warmup >= 0,
                "--in-flight and --body must be at least 1, --broker-heap-mb at least 64, --warmup at least 0");
    }

    private void require(boolean holds, String message) {
        if (!holds) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    private void runScenario(Phase phase, BenchSettings s, String scenario, List<String> wanted) throws Exception {
        System.out.println("-- " + scenario);
        DeliveryRun delivery = new DeliveryRun(phase, s);
        switch (scenario) {
            case "ceiling" -> {
                for (int run = 1; run <= runs; run++) {
                    record(new CeilingRun(phase, s).run(run, herd));
                }
            }
            case BurstCeilingRun.SCENARIO -> {
                if (wanted.contains("ten")) {
                    System.out.println("  (its runs go between the 10 s scenario's)");
                    return;
                }
                for (int run = 1; run <= runs; run++) {
                    record(new BurstCeilingRun(phase, s).run(run, ten));
                }
            }
            case "herd" -> alternate(runs, (target, run) -> {
                long due = System.currentTimeMillis() + herdLeadMs;
                return delivery.run("herd", target, run, herd, 0, (m, i, now) -> at(m, due));
            });
            case "spread" -> alternate(runs, (target, run) -> delivery.run("spread", target, run, spread, 0,
                    (m, i, now) -> at(m, now + 5000 + ThreadLocalRandom.current().nextLong(30_001))));
            case "ten" -> {
                // Minutes apart, runs of unchanged code differ 2x here: the ceiling is measured between the runs
                // it is compared with.
                boolean withCeiling = wanted.contains(BurstCeilingRun.SCENARIO);
                for (int run = 1; run <= runs; run++) {
                    if (withCeiling) {
                        record(new BurstCeilingRun(phase, s).run(run, ten));
                    }
                    alternateOnce(run, (target, r) -> delivery.run("ten", target, r, ten, 0,
                            (m, i, now) -> at(m, now + 10_000)));
                }
            }
            case "delay" -> alternate(runs, (target, run) -> delivery.run("delay", target, run, delay, 0,
                    (m, i, now) -> {
                        m.setDelayTimeLevel(3); // 10 s in the default level table of both
                        return now + 10_000;
                    }));
            case "steady" -> alternate(steadyRuns, (target, run) -> delivery.run("steady", target, run,
                    steadyRate * steadySeconds, steadyRate, (m, i, now) -> at(m, now + 10_000), 60_000));
            case "recall" -> alternate(recallRuns, (target, run) -> new RecallRun(phase, s).run(target, run, recalls));
            case "send" -> {
                for (String flush : List.of("ASYNC_FLUSH", "SYNC_FLUSH")) {
                    phase.startSundial(flush, true);
                    if (targets().contains(Target.SUNDIAL)) {
                        // Restarted for the flush mode: the broker's send path has been compiled for minutes.
                        new SendRun(phase, s).warmUp(Target.SUNDIAL, 2 * send);
                    }
                    String name = flush.equals("ASYNC_FLUSH") ? "send-async" : "send-sync";
                    alternate(runs, (target, run) -> new SendRun(phase, s).run(name, target, run, send));
                }
                phase.startSundial(s.sundialFlush(), true);
            }
            case "pending" -> {
                phase.startAfresh();
                PendingRun p = new PendingRun(phase, s);
                for (Target target : targets()) {
                    record(p.run(target, 1, pending, pendingRestarts));
                }
            }
            default -> throw new IllegalArgumentException(scenario);
        }
    }

    /**
     * Every JVM of a phase starts cold; a run measured while the JIT is still compiling measures the compiler
     * (on 2 cores it took a third of the broker's CPU in the first runs, and the first 100,000-message herd after
     * a spread-only warm-up took twice as long as the third). Both targets get the same warm-up: {@code warmup}
     * messages spread over 3 s, then as many due at one instant, so that small and large batches are compiled.
     * 30,000 of each were not enough: in the first spread run after them, Sundial's compiler threads still took
     * 4.8 s of CPU while the 100,000 sends were stored (0.2 s in the second run), halving the send rate.
     * Then a quarter as many at {@link #TRICKLE_RATE}/s, each due 2 s after its send: the spread and the herd
     * back up into large batches, so code that runs once per batch (the client's invoke, the completion chain)
     * was called a few thousand times and reached the optimizing compiler only in the measured 10 s and
     * {@code DELAY} runs ({@code -XX:+PrintCompilation}: 34-39 compilations inside each 10 s burst, 0.1-0.6 CPU-s
     * of compiler threads).
     */
    /** Messages per second of the warm-up's last step: small batches, as in a 10 s burst's first half. */
    private static final int TRICKLE_RATE = 5000;

    private void warmUp(Phase phase, BenchSettings s) throws Exception {
        if (warmup <= 0) {
            return;
        }
        DeliveryRun delivery = new DeliveryRun(phase, s);
        for (Target target : targets()) {
            RunResult spread = delivery.run("warmup", target, 0, warmup, 0,
                    (m, i, now) -> at(m, now + 2000 + ThreadLocalRandom.current().nextLong(3000)));
            long due = System.currentTimeMillis() + 5000 + warmup / 5;
            RunResult herdOf = delivery.run("warmup", target, 0, warmup, 0, (m, i, now) -> at(m, due));
            RunResult trickle = delivery.run("warmup", target, 0, warmup / 4, TRICKLE_RATE,
                    (m, i, now) -> at(m, now + 2000));
            System.out.printf(Locale.ROOT, "  warm-up %s: %s + %s + %s of %d received, p99 %s / %s / %s ms (not"
                            + " counted)%n", target.label(), Report.fmt(spread.figure("received")),
                    Report.fmt(herdOf.figure("received")), Report.fmt(trickle.figure("received")),
                    2 * warmup + warmup / 4, Report.fmt(spread.figure("p99")), Report.fmt(herdOf.figure("p99")),
                    Report.fmt(trickle.figure("p99")));
        }
    }

    private static long at(Message m, long due) {
        m.setDeliverTimeMs(due);
        return due;
    }

    private interface OneRun {
        RunResult run(Target target, int run) throws Exception;
    }

    /** Runs each target {@code n} times, Sundial first in odd runs and the built-in timer first in even ones. */
    private void alternate(int n, OneRun one) throws Exception {
        for (int run = 1; run <= n; run++) {
            alternateOnce(run, one);
        }
    }

    /** Run {@code run} of every target, the order reversed in even runs. */
    private void alternateOnce(int run, OneRun one) throws Exception {
        List<Target> order = new ArrayList<>(targets());
        if (run % 2 == 0) {
            java.util.Collections.reverse(order);
        }
        for (Target target : order) {
            record(one.run(target, run));
        }
    }

    private List<Target> targets() {
        List<Target> out = new ArrayList<>();
        for (Target t : Target.values()) {
            if (targetNames.contains(t.name().toLowerCase(Locale.ROOT))) {
                out.add(t);
            }
        }
        return out;
    }

    private void record(RunResult r) throws Exception {
        report.add(r);
        Map<String, Double> f = r.figures();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-8s %-9s %-16s run %d:",
                r.phase(), r.scenario(), r.target(), r.run()));
        f.forEach((k, v) -> {
            if (!k.startsWith("p99_window")) {
                line.append(' ').append(k).append('=').append(Report.fmt(v));
            }
        });
        System.out.println(line);
    }

    private void writeCharts(Path charts, String phase) throws Exception {
        for (String scenario : List.of("herd", "spread", "ten", "delay", "steady")) {
            Map<String, Distribution> series = new LinkedHashMap<>();
            for (String target : List.of(Report.SUNDIAL, Report.BUILT_IN)) {
                RunResult r = report.medianRun(phase, scenario, target);
                if (r != null) {
                    series.put(target, r.lateness());
                }
            }
            if (scenario.equals("herd")) {
                RunResult c = report.medianRun(phase, "ceiling", Report.CEILING);
                if (c != null) {
                    series.put("ceiling (batch ingest, from send start)", c.lateness());
                }
            }
            if (scenario.equals("ten") || scenario.equals("delay")) {
                RunResult c = report.medianRun(phase, BurstCeilingRun.SCENARIO, Report.CEILING);
                if (c != null) {
                    series.put("ceiling (ideal scheduler in the bench)", c.lateness());
                }
            }
            for (Path p : Charts.write(charts, phase + "-" + scenario, scenario + " (" + phase + " broker)", series)) {
                System.out.println("  chart " + p);
            }
        }
    }
}
