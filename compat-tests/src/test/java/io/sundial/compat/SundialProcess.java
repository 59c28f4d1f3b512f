package io.sundial.compat;

import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.net.FreePorts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Sundial as an operator runs it — {@code bin/sundial start -c FILE} in a child JVM — so that a test can kill it
 * (SIGKILL) and start it again on the same store and port.
 */
public final class SundialProcess implements AutoCloseable {

    private final Path dir;
    private final Path conf;
    private final int port;
    private final int metricsPort;
    private String javaOpts = "-Xmx512m";
    private Process process;
    private int starts;

    /** A configuration in {@code dir} in front of {@code namesrvAddr}, with {@code settings} as key, value pairs. */
    public SundialProcess(Path dir, String namesrvAddr, String... settings) throws IOException {
        this.dir = dir;
        this.conf = dir.resolve("sundial.properties");
        this.port = FreePorts.pickSundial();
        this.metricsPort = FreePorts.pickSingle(Set.copyOf(FreePorts.sundialPorts(port)));
        List<String> lines = new ArrayList<>(List.of(
                ProxyConfig.LISTEN_PORT + "=" + port,
                ProxyConfig.METRICS_PORT + "=" + metricsPort,
                ProxyConfig.BACKEND_NAMESRV_ADDR + "=" + namesrvAddr,
                ProxyConfig.ADMIN_TOKEN + "=" + SundialCluster.ADMIN_TOKEN,
                "storePathRootDir=" + dir.resolve("store"),
                "minFreeDiskBytes=64m")); // a test machine short of disk should not refuse every timer
        for (int i = 0; i + 1 < settings.length; i += 2) {
            lines.add(settings[i] + "=" + settings[i + 1]);
        }
        Files.writeString(conf, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    public Path conf() {
        return conf;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    /** The HTTP port of /metrics and /health. */
    public int metricsPort() {
        return metricsPort;
    }

    /** Its GC log (bin/sundial start writes one under the log directory). */
    public Path gcLog() {
        return dir.resolve("logs").resolve("gc.log");
    }

    /** Its java.io.tmpdir (bin/sundial start's default SUNDIAL_TMP_DIR: tmp/ under the log directory). */
    public Path tmpDir() {
        return dir.resolve("logs").resolve("tmp");
    }

    /** JVM options of the next start (SUNDIAL_JAVA_OPTS); -Xmx512m unless set. */
    public SundialProcess javaOpts(String opts) {
        this.javaOpts = opts;
        return this;
    }

    /** Starts it and waits until its port accepts connections. */
    public SundialProcess start() throws IOException, InterruptedException {
        starts++;
        ProcessBuilder pb = SundialScript.builder(javaOpts, dir.resolve("logs"), "start", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sundial-" + starts + ".out").toFile());
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!accepting()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Sundial exited at start: " + output());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Sundial did not serve within 90 s: " + output());
            }
            Thread.sleep(100);
        }
        return this;
    }

    /** What its last start printed. */
    public String output() throws IOException {
        return Files.readString(dir.resolve("sundial-" + starts + ".out"));
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as {@code bin/sundial stop} sends, and waits for the exit. */
    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            kill();
        }
    }
}
