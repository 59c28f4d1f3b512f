package io.sundial.bench;

import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.net.FreePorts;
import io.sundial.store.log.DurableFiles;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Sundial as an operator runs it, {@code bin/sundial start -c FILE}, in a child process of its own, so that its
 * memory is its own and it can be stopped and started again on the same store.
 */
final class SundialNode implements AutoCloseable {
    private final Path home;
    private final Path dir;
    private final String javaOpts;
    private final Map<String, String> extraSettings;
    private final int port;
    private final int metricsPort;
    private Process process;
    private int starts;

    SundialNode(Path home, Path dir, String javaOpts, Map<String, String> extraSettings) throws IOException {
        this.home = home;
        this.dir = dir;
        this.javaOpts = javaOpts;
        this.extraSettings = Map.copyOf(extraSettings);
        this.port = FreePorts.pickSundial();
        this.metricsPort = FreePorts.pickSingle(Set.copyOf(FreePorts.sundialPorts(port)));
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    Path store() {
        return dir.resolve("store");
    }

    long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /**
     * Writes its configuration: product defaults but for the ports, the store and the flush mode, and any setting
     * the bench was given ({@code --sundial-set}).
     */
    void configure(String backendNamesrv, String flushDiskType) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>(List.of(
                ProxyConfig.LISTEN_PORT + "=" + port,
                ProxyConfig.METRICS_PORT + "=" + metricsPort,
                ProxyConfig.BACKEND_NAMESRV_ADDR + "=" + backendNamesrv,
                ProxyConfig.ADMIN_TOKEN_REQUIRED + "=false",
                "storePathRootDir=" + store(),
                "flushDiskType=" + flushDiskType));
        extraSettings.forEach((k, v) -> lines.add(k + "=" + v));
        Files.writeString(dir.resolve("sundial.properties"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** Starts it and returns the milliseconds from launching {@code bin/sundial start} to its port accepting. */
    long start() throws IOException, InterruptedException {
        starts++;
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/sundial").toString(), "start", "-c",
                dir.resolve("sundial.properties").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sundial-" + starts + ".out").toFile());
        pb.environment().put("SUNDIAL_JAVA_OPTS", javaOpts);
        pb.environment().put("SUNDIAL_LOG_DIR", dir.resolve("logs").toString());
        process = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        while (!accepting()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Sundial exited at start: "
                        + Files.readString(dir.resolve("sundial-" + starts + ".out")));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Sundial did not serve within 120 s");
            }
            Thread.sleep(10);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** SIGTERM, as {@code bin/sundial stop} sends; waits for the exit. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** Stops it and deletes its store, for a run that must start empty. */
    void wipe() throws IOException, InterruptedException {
        stop();
        Files.createDirectories(dir);
        DurableFiles.deleteTree(store());
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
