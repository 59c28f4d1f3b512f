package io.sundial.compat.ops;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialScript;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.net.FreePorts;
import io.sundial.store.RecoveryReport;
import io.sundial.store.TimerStore;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/sundial start -c FILE}, {@code status} and {@code stop} as an operator runs them: a pid file while it
 * runs, a graceful stop, and a store that opens afterwards with nothing to replay.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class LifecycleTest {

    @TempDir
    Path dir;

    @Test
    void shouldStartReportStopAndLeaveACleanStore(SundialCluster.Running env) throws Exception {
        int port = FreePorts.pickSundial();
        Path store = dir.resolve("store");
        Path conf = dir.resolve("sundial.properties");
        Files.writeString(conf, String.join("\n",
                ProxyConfig.LISTEN_PORT + "=" + port,
                ProxyConfig.METRICS_PORT + "=" + FreePorts.pickSingle(Set.copyOf(FreePorts.sundialPorts(port))),
                ProxyConfig.BACKEND_NAMESRV_ADDR + "=" + env.namesrvAddr(),
                ProxyConfig.ADMIN_TOKEN + "=lifecycle-token",
                "storePathRootDir=" + store,
                "flushDiskType=SYNC_FLUSH", ""), StandardCharsets.UTF_8);
        assertEquals(3, run("status", "-c", conf.toString()).exit(), "not running yet");

        Path classLoads = dir.resolve("class-loads.log");
        Process sundial = SundialScript.builder("-Xmx256m -Xlog:class+load=info:file=" + classLoads,
                        dir.resolve("logs"), "start", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("start.out").toFile()).start();
        try {
            Path pidFile = store.resolve("sundial.pid");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(pidFile)) {
                assertTrue(sundial.isAlive(), Files.readString(dir.resolve("start.out")));
                assertTrue(System.nanoTime() < deadline, "no pid file within 90 s");
                Thread.sleep(200);
            }
            assertEquals(Long.toString(sundial.pid()), Files.readString(pidFile).trim(), "the JVM's own pid");
            assertTrue(Files.exists(dir.resolve("logs").resolve("gc.log")), "GC log on by default");
            String cmdline = Files.readString(Path.of("/proc", Long.toString(sundial.pid()), "cmdline"))
                    .replace('\0', ' ');
            assertTrue(cmdline.contains("-XX:+ExitOnOutOfMemoryError"), "exits on an OutOfMemoryError, for its"
                    + " supervisor to restart it, rather than serve on with a dead thread: " + cmdline);
            assertTrue(Files.exists(dir.resolve("logs").resolve("sundial.log")), "rolling log file");
            // Run from the jars, as a tree Maven packaged is (bin/test's verify, and bin/sundial's own build): its
            // classes are mapped from the class-data archive of the build (decision 0052).
            if (cmdline.contains("/proxy/target/sundial-proxy-")) {
                assertTrue(cmdline.contains("-XX:SharedArchiveFile="), "no class-data archive on its command line");
                assertTrue(Files.readString(classLoads).contains(
                        "io.sundial.proxy.Sundial source: shared objects file"), "Sundial's classes were not mapped"
                        + " from the archive; the start said: " + Files.readString(dir.resolve("start.out")));
            } else {
                assertTrue(cmdline.contains("/proxy/target/classes"), "neither the proxy's jar nor its classes");
                assertFalse(cmdline.contains("-XX:SharedArchiveFile="), "classes directories cannot be archived");
            }
            Result status = run("status", "-c", conf.toString());
            assertEquals(0, status.exit(), status.out());
            assertTrue(status.out().contains("running"), status.out());
            assertEquals(1, run("start", "-c", conf.toString()).exit(), "a second start on the same store refuses");

            DefaultMQProducer producer = Clients.producer("127.0.0.1:" + port);
            try {
                for (int i = 0; i < 3; i++) {
                    Message m = new Message(Clients.unique("Lifecycle"), "t", "k" + i, "x".getBytes());
                    m.setDeliverTimeMs(System.currentTimeMillis() + 3_600_000);
                    producer.send(m);
                }
            } finally {
                producer.shutdown();
            }

            Result stop = run("stop", "-c", conf.toString());
            assertEquals(0, stop.exit(), stop.out());
            assertTrue(sundial.waitFor(10, TimeUnit.SECONDS), "the process has exited");
            assertFalse(Files.exists(pidFile), "pid file removed");
            assertEquals(3, run("status", "-c", conf.toString()).exit());
            assertEquals(0, run("stop", "-c", conf.toString()).exit(), "stopping a stopped Sundial is fine");
        } finally {
            sundial.destroyForcibly();
        }

        try (TimerStore reopened = TimerStore.open(ProxyConfig.load(conf).store(), Clock.SYSTEM)) {
            RecoveryReport r = reopened.recoveryReport();
            assertEquals(0, r.replayedRecords(), "nothing to replay after a graceful stop: " + r);
            assertEquals(0, r.cutBytes(), r.toString());
            assertEquals(3, reopened.pendingCount());
        }
    }

    private ProcessBuilder script(String... args) {
        return SundialScript.builder("-Xmx256m", dir.resolve("logs"), args);
    }

    private record Result(int exit, String out) {
    }

    private Result run(String... args) throws IOException, InterruptedException {
        SundialScript.Output o = SundialScript.run(script(args), Duration.ofSeconds(120));
        return new Result(o.exit(), o.stdout() + o.stderr());
    }
}
