package io.sundial.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetsTest {
    @TempDir
    Path dir;

    private Report report() {
        return new Report(dir.resolve("runs.csv"));
    }

    private static RunResult run(String phase, String scenario, Target target, int run, Map<String, Double> f) {
        return new RunResult(phase, scenario, target.label(), run, f, null);
    }

    @Test
    void shouldJudgeTheMedianOfTheRunsNotTheBestOne() throws Exception {
        Report report = report();
        report.add(run("default", "herd", Target.SUNDIAL, 1, Map.of("p99", 900.0, "max", 1000.0, "first", 5.0)));
        report.add(run("default", "herd", Target.SUNDIAL, 2, Map.of("p99", 1300.0, "max", 1400.0, "first", 5.0)));
        report.add(run("default", "herd", Target.SUNDIAL, 3, Map.of("p99", 1250.0, "max", 1400.0, "first", 5.0)));
        Targets.Check p99 = find(new Targets(report).check(), "herd: Sundial p99 <= 1,200 ms");
        assertEquals("1250", p99.measured());
        assertFalse(p99.met());
        assertTrue(find(new Targets(report).check(), "herd: Sundial max <= 1,500 ms").met());
    }

    @Test
    void shouldCompareLatenessAsBuiltInOverSundialAndRatesAsSundialOverBuiltIn() throws Exception {
        Report report = report();
        report.add(run("default", "herd", Target.SUNDIAL, 1, Map.of("p99", 1000.0)));
        report.add(run("default", "herd", Target.BROKER, 1, Map.of("p99", 1900.0)));
        report.add(run("default", "send-sync", Target.SUNDIAL, 1, Map.of("sendRate", 8000.0)));
        report.add(run("default", "send-sync", Target.BROKER, 1, Map.of("sendRate", 10000.0)));
        List<Targets.Check> checks = new Targets(report).check();
        assertFalse(find(checks, "herd: p99 >= 2x better than the default built-in timer").met(), "1.9x is not 2x");
        assertTrue(find(checks, "send, Sundial SYNC_FLUSH: >= 70% of the broker's (ASYNC_FLUSH) rate").met());
        assertEquals("1.90", Report.ratio("p99", 1000, 1900));
        assertEquals("0.80", Report.ratio("sendRate", 8000, 10000));
        assertEquals("", Report.ratio("sundialCpuS", 2.2, 0.05), "Sundial idles in the built-in timer's runs");
        assertEquals("6.52", Report.ratio("peakRssMiB", 378, 2465), "the pending run compares the two processes");
    }

    @Test
    void shouldFailWhenAnySundialRunDeliveredEarlyOrLostAMessage() throws Exception {
        Report report = report();
        report.add(run("default", "spread", Target.SUNDIAL, 1, Map.of("early", 0.0, "lost", 0.0)));
        report.add(run("tuned", "ten", Target.SUNDIAL, 2, Map.of("early", 1.0, "lost", 0.0)));
        report.add(run("default", "ten", Target.BROKER, 1, Map.of("early", 5.0, "lost", 3.0)));
        List<Targets.Check> checks = new Targets(report).check();
        assertFalse(find(checks, "no early delivery in any Sundial run").met());
        assertTrue(find(checks, "nothing lost in any Sundial run").met(), "the built-in timer's losses are its own");
    }

    @Test
    void shouldWriteEveryFigureOfEveryRunToTheCsvAsItFinishes() throws Exception {
        Report report = report();
        report.add(run("default", "ten", Target.SUNDIAL, 1, Map.of("p99", 12.0, "lost", 0.0)));
        List<String> lines = Files.readAllLines(dir.resolve("runs.csv"));
        assertEquals(List.of("phase,scenario,target,run,figure,value", "default,ten,Sundial,1,lost,0",
                "default,ten,Sundial,1,p99,12"), lines);
    }

    @Test
    void shouldMergeRunsCsvFilesWithALaterFilesScenarioReplacingTheEarlierOne() throws Exception {
        Path first = dir.resolve("a.csv");
        Path second = dir.resolve("b.csv");
        Files.writeString(first, "phase,scenario,target,run,figure,value\n"
                + "default,steady,Sundial,1,drift,7444\n"
                + "default,steady,built-in timer,1,drift,33\n"
                + "default,ten,Sundial,1,p99,59\n");
        Files.writeString(second, "phase,scenario,target,run,figure,value\n"
                + "default,steady,Sundial,1,drift,4\n");
        Report merged = Report.fromCsv(List.of(first, second));
        assertEquals(4, merged.median("default", "steady", "Sundial", "drift"));
        assertEquals(33, merged.median("default", "steady", "built-in timer", "drift"));
        assertEquals(59, merged.median("default", "ten", "Sundial", "p99"));
        assertEquals(3, merged.results().size());
    }

    @Test
    void shouldWriteTheCeilingWithoutACommaAndReadOlderFilesThatHadOne() throws Exception {
        Report report = report();
        report.add(new RunResult("default", "ceiling", Report.CEILING, 1, Map.of("p99", 1500.0), null));
        String line = Files.readAllLines(dir.resolve("runs.csv")).get(1);
        assertEquals(6, line.split(",").length, "six columns for any CSV reader: " + line);

        Path old = dir.resolve("old.csv");
        Files.writeString(old, "phase,scenario,target,run,figure,value\n"
                + "default,ceiling,broker, no timer,1,p99,1966\n");
        assertEquals(1966, Report.fromCsv(List.of(old)).median("default", "ceiling", Report.CEILING, "p99"));
    }

    @Test
    void shouldReportTheBurstsAgainstTheirCeilingAndShowTheCeilingWithoutABuiltInColumn() throws Exception {
        Report report = report();
        report.add(new RunResult("default", BurstCeilingRun.SCENARIO, Report.CEILING, 1, Map.of("p99", 27.0), null));
        report.add(run("default", "ten", Target.SUNDIAL, 1, Map.of("p99", 39.0)));
        report.add(run("default", "ten", Target.BROKER, 1, Map.of("p99", 851.0)));
        Targets.Check ten = find(new Targets(report).check(), "ten: Sundial p99 against the burst's ceiling (an ideal"
                + " scheduler in the bench, consumer running)");
        assertEquals("39 ms vs 27 ms", ten.measured());
        assertEquals(null, ten.met(), "a bound of the machine, reported, not a target");
        assertTrue(report.tables().contains("| ten-ceiling | p99 | 27 (ceiling) |  |  | 1 |"), report.tables());
    }

    private static Targets.Check find(List<Targets.Check> checks, String target) {
        return checks.stream().filter(c -> c.target().equals(target)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + target + " in " + checks));
    }
}
