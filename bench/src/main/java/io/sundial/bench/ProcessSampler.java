package io.sundial.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Resident memory and CPU time of named processes from {@code /proc/PID/status} and {@code /proc/PID/stat} (Linux),
 * sampled in the background so a run can report each one's peak memory and the CPU each used in a window of time
 * (on a machine whose cores every process shares, where a burst's CPU goes explains how fast it drains).
 */
final class ProcessSampler implements AutoCloseable {
    private static final long SAMPLE_MS = 100;
    /** Thread groups are sampled less often: reading every thread's stat is the sampler's main cost. */
    private static final int THREAD_SAMPLE_EVERY = 5;
    /** Clock ticks per second of /proc/PID/stat's times ({@code getconf CLK_TCK}; 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    private final Map<String, LongSupplier> pids;
    private final Map<String, Long> peakKb = new ConcurrentHashMap<>();
    private final Map<String, List<long[]>> cpuTicks = new ConcurrentHashMap<>();
    /** Per-thread-group ticks of Sundial's process, by sample time (every {@link #THREAD_SAMPLE_EVERY}th sample). */
    private final NavigableMap<Long, Map<String, Long>> sundialThreads = new ConcurrentSkipListMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private ProcessSampler(Map<String, LongSupplier> pids) {
        this.pids = pids;
        this.sampler = new Thread(this::sample, "bench-process-sampler");
        sampler.setDaemon(true);
    }

    /**
     * Samples every 100 ms until closed; a pid of 0 or below is skipped (not running, or not ours). The bench's
     * own process (its producers and consumer) is sampled too, as {@code bench}.
     */
    static ProcessSampler sample(Map<String, LongSupplier> pids) {
        Map<String, LongSupplier> all = new LinkedHashMap<>(pids);
        long self = ProcessHandle.current().pid();
        all.put("bench", () -> self);
        ProcessSampler m = new ProcessSampler(all);
        m.sampler.start();
        return m;
    }

    private void sample() {
        for (long n = 0; running; n++) {
            long now = System.currentTimeMillis();
            if (n % THREAD_SAMPLE_EVERY == 0 && pids.containsKey("sundial")) {
                Map<String, Long> threads = ThreadTicks.of(pids.get("sundial").getAsLong());
                if (!threads.isEmpty()) {
                    sundialThreads.put(now, threads);
                }
            }
            for (Map.Entry<String, LongSupplier> e : pids.entrySet()) {
                long pid = e.getValue().getAsLong();
                long kb = field(pid, "VmRSS:");
                if (kb > 0) {
                    peakKb.merge(e.getKey(), kb, Math::max);
                }
                long ticks = cpuTicks(pid);
                if (ticks >= 0) {
                    cpuTicks.computeIfAbsent(e.getKey(), k -> new CopyOnWriteArrayList<>())
                            .add(new long[] {now, ticks});
                }
            }
            try {
                Thread.sleep(SAMPLE_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * CPU seconds each named process used between {@code fromMs} and {@code toMs} (wall clock), from the last
     * sample at or before the start to the first at or after the end: so up to one sample period wider.
     */
    Map<String, Double> cpuSeconds(long fromMs, long toMs) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (toMs < fromMs) {
            return out; // nothing arrived: no delivery window
        }
        cpuTicks.forEach((name, samples) -> {
            long[] first = null;
            long[] last = null;
            for (long[] s : samples) {
                if (s[0] <= fromMs) {
                    first = s;
                }
                if (s[0] >= toMs && last == null) {
                    last = s;
                }
            }
            if (first != null && last != null) {
                out.put(name, (last[1] - first[1]) / TICKS_PER_SECOND);
            }
        });
        return out;
    }

    /**
     * CPU seconds of Sundial's thread groups between {@code fromMs} and {@code toMs}, from the last thread sample at
     * or before the start to the first at or after the end (so up to half a second wider); groups that used none
     * are left out.
     */
    Map<String, Double> sundialThreadCpuSeconds(long fromMs, long toMs) {
        Map<String, Double> out = new TreeMap<>();
        Map.Entry<Long, Map<String, Long>> first = sundialThreads.floorEntry(fromMs);
        Map.Entry<Long, Map<String, Long>> last = sundialThreads.ceilingEntry(toMs);
        if (toMs < fromMs || first == null || last == null) {
            return out;
        }
        last.getValue().forEach((group, ticks) -> {
            long used = ticks - first.getValue().getOrDefault(group, 0L);
            if (used > 0) {
                out.put(group, used / TICKS_PER_SECOND);
            }
        });
        return out;
    }

    /** utime + stime of /proc/PID/stat in clock ticks, or -1. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            return ThreadTicks.ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Peak RSS in MiB of each named process seen running. */
    Map<String, Double> peakMiB() {
        Map<String, Double> out = new LinkedHashMap<>();
        peakKb.forEach((name, kb) -> out.put(name, kb / 1024.0));
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join();
    }

    /** A {@code kB} field of /proc/PID/status (VmRSS, RssAnon, RssFile, VmHWM), or -1. */
    static long field(long pid, String name) {
        if (pid <= 0) {
            return -1;
        }
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            for (String line : lines) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Blocks allocated on disk under {@code dir} in bytes (as {@code du}: preallocated sparse files count what they hold). */
    static long diskBytes(Path dir) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes()).trim();
        if (du.waitFor() != 0) {
            throw new IOException("du " + dir + ": " + out);
        }
        return Long.parseLong(out.split("\\s+")[0]) * 1024;
    }
}
