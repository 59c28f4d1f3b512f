package io.sundial.bench;

import com.alibaba.fastjson2.JSONObject;
import io.sundial.proxy.admin.AdminCodes;
import io.sundial.proxy.cli.admin.AdminClient;
import io.sundial.store.log.DurableFiles;
import org.apache.rocketmq.common.message.Message;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code n} timers pending (due in an hour) on a fresh store: the holder's memory while taking them and after,
 * its disk per pending timer, and its restart time (Sundial: {@code bin/sundial start} to serving; the built-in
 * timer: name server and broker stopped and started to ready), the median of {@code restarts}.
 */
final class PendingRun {
    private static final long DUE_AHEAD_MS = TimeUnit.HOURS.toMillis(1);
    private static final long SETTLE_MS = 15_000;

    private final Phase phase;
    private final BenchSettings settings;
    private final byte[] body;

    PendingRun(Phase phase, BenchSettings settings) {
        this.phase = phase;
        this.settings = settings;
        this.body = settings.newBody();
    }

    RunResult run(Target target, int run, int n, int restarts) throws Exception {
        String topic = "Bench_" + phase.name() + "_pending_" + target.name() + "_" + run;
        phase.createTopic(topic);
        Path store = target == Target.SUNDIAL ? phase.sundialStore() : phase.brokerStore();
        String proc = target == Target.SUNDIAL ? "sundial" : "broker";
        long diskBefore = ProcessSampler.diskBytes(store);
        long due = System.currentTimeMillis() + DUE_AHEAD_MS;
        Sender.Outcome sent;
        Map<String, Double> peak;
        try (ProcessSampler mem = ProcessSampler.sample(phase.pids())) {
            sent = new Sender(phase.producer(target), settings.inFlight()).send(n, 0, (i, now) -> {
                Message m = new Message(topic, "bench", Integer.toString(i), body);
                m.setDeliverTimeMs(due);
                return m;
            }, null);
            Thread.sleep(SETTLE_MS);
            peak = mem.peakMiB();
        }
        long pid = target == Target.SUNDIAL ? phase.sundialPid() : phase.brokerPid();
        double rssAfter = ProcessSampler.field(pid, "VmRSS:") / 1024.0;
        double anonAfter = ProcessSampler.field(pid, "RssAnon:") / 1024.0;
        long disk = ProcessSampler.diskBytes(store) - diskBefore;
        Map<String, Double> backup = target == Target.SUNDIAL ? backUp(run) : Map.of();
        long[] restartMs = new long[Math.max(1, restarts)];
        for (int i = 0; i < restartMs.length; i++) {
            restartMs[i] = target == Target.SUNDIAL ? phase.restartSundial() : phase.restartCluster();
        }
        Distribution restart = Distribution.of(restartMs);
        Map<String, Double> f = new HashMap<>();
        f.put("sent", (double) n);
        f.put("acked", (double) sent.acked());
        f.put("failed", (double) sent.failed());
        f.put("sendRate", sent.rate());
        f.put("peakRssMiB", peak.getOrDefault(proc, Double.NaN));
        f.put("rssAfterMiB", rssAfter);
        f.put("anonRssAfterMiB", anonAfter);
        f.put("diskMiB", disk / 1048576.0);
        f.put("diskBytesPerTimer", sent.acked() == 0 ? Double.NaN : (double) disk / sent.acked());
        f.put("restartMs", (double) restart.percentile(50));
        f.put("restartMsMax", (double) restart.max());
        f.putAll(backup);
        return new RunResult(phase.name(), "pending", target.label(), run, f, null);
    }

    /**
     * An online backup of the store holding the pending timers ({@code admin backup}): to another file system if
     * there is one at /dev/shm (a real copy of every byte), else within the workspace (links and a rename). How long
     * writes waited and how long it took; the copy is deleted afterwards.
     */
    private Map<String, Double> backUp(int run) throws Exception {
        Path shm = Path.of("/dev/shm");
        Path scratch = phase.scratch("backups");
        Files.createDirectories(scratch);
        boolean otherFileSystem = Files.isDirectory(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(scratch));
        Path target = (otherFileSystem ? shm : scratch)
                .resolve("sundial-bench-backup-" + run + "-" + System.nanoTime());
        JSONObject args = new JSONObject();
        args.put("dir", target.toString());
        try (AdminClient admin = new AdminClient(phase.sundialAddress(), null, TimeUnit.HOURS.toMillis(1))) {
            AdminClient.Answer answer = admin.call(AdminCodes.BACKUP, args);
            if (answer.code() != 0) {
                throw new IllegalStateException("admin backup answered " + answer.code() + ": " + answer.remark());
            }
            Map<String, Double> f = new HashMap<>();
            f.put("backupWritesHeldMs", answer.body().getDoubleValue("writesHeldMs"));
            f.put("backupMs", answer.body().getDoubleValue("tookMs"));
            f.put("backupMiB", answer.body().getLongValue("bytes") / 1048576.0);
            f.put("backupCopied", otherFileSystem ? 1.0 : 0.0);
            return f;
        } finally {
            DurableFiles.deleteTree(target);
        }
    }
}
