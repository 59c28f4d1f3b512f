package io.sundial.compat;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the real {@code bin/sundial admin <command> ... --json} against a Sundial, as an operator's script would,
 * and returns its exit status, parsed JSON output and error output.
 */
public final class AdminCli {
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
        List<String> cmd = new ArrayList<>(List.of("admin"));
        cmd.addAll(Arrays.asList(args));
        cmd.addAll(List.of("-s", server, "--json"));
        if (token != null) {
            cmd.addAll(List.of("--token", token));
        }
        ProcessBuilder pb = SundialScript.builder("-Xmx128m -XX:TieredStopAtLevel=1",
                Path.of("target", "admin-cli-logs"), cmd.toArray(String[]::new));
        pb.environment().remove("SUNDIAL_ADMIN_TOKEN");
        SundialScript.Output o = SundialScript.run(pb, Duration.ofSeconds(120));
        String stdout = o.stdout().trim();
        JSONObject json = stdout.startsWith("{") ? JSON.parseObject(stdout) : new JSONObject();
        return new Result(o.exit(), json, o.stderr());
    }
}
