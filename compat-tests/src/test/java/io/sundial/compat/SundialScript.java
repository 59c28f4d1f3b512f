package io.sundial.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The project's own {@code bin/sundial}, run as an operator runs it: a process builder with the JVM options
 * ({@code SUNDIAL_JAVA_OPTS}) and log directory ({@code SUNDIAL_LOG_DIR}) a test gives it, and a run-to-completion
 * for commands that end.
 */
public final class SundialScript {
    private static final Path SCRIPT = Path.of("..", "bin", "sundial").toAbsolutePath().normalize();

    private SundialScript() {
    }

    /** What a finished command printed. */
    public record Output(int exit, String stdout, String stderr) {
    }

    /** {@code bin/sundial args...} with {@code javaOpts} and its logs under {@code logDir}; not started. */
    public static ProcessBuilder builder(String javaOpts, Path logDir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SUNDIAL_JAVA_OPTS", javaOpts);
        pb.environment().put("SUNDIAL_LOG_DIR", logDir.toAbsolutePath().toString());
        return pb;
    }

    /**
     * Runs {@code pb} to its end and returns its exit status and output.
     *
     * @throws IllegalStateException if it has not ended within {@code timeout} (it is then killed)
     */
    public static Output run(ProcessBuilder pb, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("sundial-script", ".out");
        Path err = Files.createTempFile("sundial-script", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", pb.command()) + " did not finish in " + timeout);
            }
            return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
