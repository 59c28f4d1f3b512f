package io.sundial.compat;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code bin/sundial admin <command> ... --json} against a Sundial, as an operator's script would,
 * and returns its exit status, parsed JSON output and error output.
 */
public final class AdminCli {
    private static final Path SCRIPT = Path.of("..", "bin", "sundial").toAbsolutePath().normalize();

    private final String server;
    private final String token;

    /** Commands against {@code server} ({@code host:port}) presenting {@code token} (null: none). */
    public AdminCli(String server, String token) {
        this.server = server;
        this.token = token;
    }

    public AdminCli withToken(String other) {
        return new AdminCli(server, other);
    }

    /** What one run printed. */
    public record Result(int exit, JSONObject json, String stderr) {
        public boolean ok() {
            return exit == 0;
        }
    }

    public Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), "admin"));
        cmd.addAll(Arrays.asList(args));
        cmd.addAll(List.of("-s", server, "--json"));
        if (token != null) {
            cmd.addAll(List.of("--token", token));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SUNDIAL_JAVA_OPTS", "-Xmx128m -XX:TieredStopAtLevel=1");
        pb.environment().put("SUNDIAL_LOG_DIR", Path.of("target", "admin-cli-logs").toAbsolutePath().toString());
        pb.environment().remove("SUNDIAL_ADMIN_TOKEN");
        Path out = Files.createTempFile("sundial-admin", ".out");
        Path err = Files.createTempFile("sundial-admin", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("bin/sundial admin " + String.join(" ", args) + " did not finish");
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8).trim();
            JSONObject json = stdout.startsWith("{") ? JSON.parseObject(stdout) : new JSONObject();
            return new Result(p.exitValue(), json, Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
