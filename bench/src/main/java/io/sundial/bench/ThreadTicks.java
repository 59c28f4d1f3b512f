package io.sundial.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU ticks (utime + stime, {@code /proc/PID/task/TID/stat}) of one process's threads, summed per thread group: the
 * thread name with its digits dropped, so that {@code sundial-timer-dispatch-1} and {@code -2} count as one. Where a
 * process spends its CPU in a burst, without a profiler's sampling bias or overhead; a thread that ended between
 * two snapshots loses its ticks.
 */
final class ThreadTicks {
    private ThreadTicks() {
    }

    /** Ticks per thread group of process {@code pid} now; empty if it is not running. */
    static Map<String, Long> of(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        if (pid <= 0) {
            return groups;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    groups.merge(group(stat), ticks(stat), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException | RuntimeException e) {
            return groups;
        }
        return groups;
    }

    /**
     * The thread's name (field 2, between the first '(' and the last ')'), each run of digits as {@code N} and any
     * other character but letters, '-' and '_' as '_' (so that it can name a CSV figure).
     */
    static String group(String stat) {
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        return name.replaceAll("[0-9]+", "N").replaceAll("[^A-Za-z_-]", "_");
    }

    /** utime + stime: fields 14 and 15 of the whole line, counted after the name's closing parenthesis. */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
