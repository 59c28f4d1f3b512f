package io.sundial.proxy.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One server JVM started by this JVM: launched with its stdout and stderr appended to files, waited on until it
 * is ready, and stopped by SIGTERM with SIGKILL as the fallback. It only ever signals the process it started.
 *
 * <p>Readiness is the server's own {@code boot success} line on stdout and its port accepting a connection.
 * Because a restarted server appends to the same files, only output written since this launch counts.
 * While started, the instance is registered with {@link ChildReaper} so that a JVM that exits without closing
 * it does not leave the server running. Not thread-safe: the owning cluster serialises calls.
 */
final class ChildJvm {
    private static final long POLL_MILLIS = 50;
    private static final int CONNECT_TIMEOUT_MILLIS = 200;
    private static final int TAIL_LINES = 40;
    private static final int TAIL_BYTES = 64 * 1024;
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long stdoutStart;
    private final long stderrStart;
    private volatile boolean suspended;
    private boolean stopped;

    private ChildJvm(String name, Process process, Path stdout, Path stderr, long stdoutStart, long stderrStart) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdoutStart = stdoutStart;
        this.stderrStart = stderrStart;
    }

    /**
     * Launches {@code command} in {@code workDir}, with {@code env} added to this JVM's environment and the
     * output appended to {@code stdout} and {@code stderr}.
     */
    static ChildJvm launch(String name, List<String> command, Path workDir, Map<String, String> env, Path stdout,
                           Path stderr) {
        long stdoutStart = sizeOf(stdout);
        long stderrStart = sizeOf(stderr);
        ProcessBuilder builder = new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new EmbeddedClusterException("could not launch " + name + ": " + String.join(" ", command), e);
        }
        closeStdin(process);
        ChildJvm jvm = new ChildJvm(name, process, stdout, stderr, stdoutStart, stderrStart);
        if (!ChildReaper.register(jvm)) {
            process.destroyForcibly();
            throw new EmbeddedClusterException("this JVM is shutting down; " + name + " was not left running");
        }
        return jvm;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    boolean isSuspended() {
        return suspended;
    }

    /**
     * Polls until stdout has shown {@code marker} since launch and {@code port} on 127.0.0.1 accepts a connection.
     *
     * @throws EmbeddedClusterException if the process exits first or {@code timeout} passes; the message holds
     *     the last lines of its stdout and stderr
     */
    void awaitReady(String marker, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean sawMarker = false;
        while (true) {
            if (!process.isAlive()) {
                throw failure("exited with code " + process.exitValue() + " before it was ready");
            }
            sawMarker = sawMarker || outputSinceLaunch(stdout, stdoutStart).contains(marker);
            if (sawMarker && accepts(port)) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw failure("was not ready within " + timeout.toMillis() + " ms: " + (sawMarker
                    ? "it printed '" + marker + "' but port " + port + " does not accept connections"
                    : "it never printed '" + marker + "'"));
            }
            sleep(POLL_MILLIS);
        }
    }

    /** Sends SIGSTOP: the process freezes, its sockets stay open and clients see timeouts, not refusals. */
    void suspend() {
        signal("STOP");
        suspended = true;
    }

    /** Sends SIGCONT to a process {@link #suspend() suspended} before. */
    void resume() {
        signal("CONT");
        suspended = false;
    }

    /**
     * Stops the process: SIGTERM (and SIGCONT if suspended, so the signal is delivered), up to {@code timeout} for
     * it to exit, then SIGKILL. Idempotent; returns once the process is gone.
     */
    void stop(Duration timeout) {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            terminate();
            awaitExit(timeout);
        } finally {
            ChildReaper.unregister(this);
        }
    }

    /** Sends SIGKILL, as a crash would, and returns once the process is gone. Idempotent with {@link #stop}. */
    void kill() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            process.destroyForcibly();
            awaitExit(KILL_WAIT);
        } finally {
            ChildReaper.unregister(this);
        }
    }

    /** SIGTERM, and SIGCONT if suspended; returns at once. For the shutdown hook, which waits on all at once. */
    void terminate() {
        process.destroy();
        if (suspended) {
            try {
                resume();
            } catch (EmbeddedClusterException e) {
                process.destroyForcibly();
            }
        }
    }

    /** Waits up to {@code timeout} for the process to exit after {@link #terminate()}, then kills it. */
    void awaitExit(Duration timeout) {
        boolean interrupted = false;
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            interrupted = true;
            process.destroyForcibly();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The last lines of stdout and stderr written since launch, labelled with their files. */
    String outputTail() {
        return "--- last lines of " + stdout + " ---\n" + lastLines(outputSinceLaunch(stdout, stdoutStart))
            + "--- last lines of " + stderr + " ---\n" + lastLines(outputSinceLaunch(stderr, stderrStart));
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }

    private EmbeddedClusterException failure(String what) {
        return new EmbeddedClusterException(this + " " + what + "\n" + outputTail());
    }

    private void signal(String signal) {
        if (!process.isAlive()) {
            throw new EmbeddedClusterException("cannot send SIG" + signal + " to " + this + ": it has exited");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
                .redirectErrorStream(true)
                .start();
            closeStdin(kill);
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (kill.waitFor() != 0) {
                throw new EmbeddedClusterException("kill -" + signal + " " + pid() + " failed: " + output);
            }
        } catch (IOException e) {
            throw new EmbeddedClusterException("could not run kill -" + signal + " for " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedClusterException("interrupted sending SIG" + signal + " to " + this, e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(ServerConfigWriter.LOOPBACK, port), CONNECT_TIMEOUT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Up to the last {@value #TAIL_BYTES} bytes written to {@code file} since {@code start}. */
    private static String outputSinceLaunch(Path file, long start) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(start, raf.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) Math.max(0, raf.length() - from)];
            raf.seek(from);
            raf.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String lastLines(String text) {
        List<String> lines = Arrays.asList(text.split("\n"));
        StringBuilder tail = new StringBuilder();
        for (String line : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
            tail.append(line).append('\n');
        }
        return tail.toString();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void closeStdin(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // The child never reads its stdin; nothing to do if closing our end fails.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedClusterException("interrupted while waiting for a server to start", e);
        }
    }
}
