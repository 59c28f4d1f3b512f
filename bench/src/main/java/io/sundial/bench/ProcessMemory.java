package io.sundial.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Resident memory of named processes from {@code /proc/PID/status} (Linux), sampled in the background so a run can
 * report each one's peak.
 */
final class ProcessMemory implements AutoCloseable {
    private final Map<String, LongSupplier> pids;
    private final Map<String, Long> peakKb = new ConcurrentHashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private ProcessMemory(Map<String, LongSupplier> pids) {
        this.pids = pids;
        this.sampler = new Thread(this::sample, "bench-memory");
        sampler.setDaemon(true);
    }

    /** Samples every 200 ms until closed; a pid of 0 or below is skipped (not running, or not ours). */
    static ProcessMemory sample(Map<String, LongSupplier> pids) {
        ProcessMemory m = new ProcessMemory(new LinkedHashMap<>(pids));
        m.sampler.start();
        return m;
    }

    private void sample() {
        while (running) {
            for (Map.Entry<String, LongSupplier> e : pids.entrySet()) {
                long kb = field(e.getValue().getAsLong(), "VmRSS:");
                if (kb > 0) {
                    peakKb.merge(e.getKey(), kb, Math::max);
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
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
