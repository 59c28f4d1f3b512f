package io.sundial.compat.admin;

import com.alibaba.fastjson2.JSONObject;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.store.StoreConfig;
import io.sundial.store.TimerStore;
import io.sundial.store.index.DueEntry;
import io.sundial.store.time.Clock;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/sundial admin backup} against the shared, running Sundial: the copy it writes opens as a store holding
 * the timers the stock client sent before it, with their messages; it needs the token, and never overwrites.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class BackupCommandTest {
    @TempDir
    Path backups;

    @Test
    void shouldWriteABackupOfTheRunningStoreThatOpensWithItsTimers(SundialCluster.Running env) throws Exception {
        AdminCli anonymous = new AdminCli(env.sundialAddr(), null);
        AdminCli admin = anonymous.withToken(SundialCluster.ADMIN_TOKEN);
        String topic = Clients.unique("Backup");
        List<String> ids = new ArrayList<>();
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try {
            for (int i = 0; i < 50; i++) {
                Message m = new Message(topic, "t", "k" + i, ("backed up " + i).getBytes(StandardCharsets.UTF_8));
                m.setDeliverTimeMs(System.currentTimeMillis() + 3_600_000);
                ids.add(producer.send(m).getMsgId());
            }
        } finally {
            producer.shutdown();
        }
        Path target = backups.resolve("sundial-backup");

        AdminCli.Result refused = anonymous.run("backup", "--to", target.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.stderr().contains("needs the admin token"), refused.stderr());
        assertFalse(Files.exists(target));

        AdminCli.Result done = admin.run("backup", "--to", target.toString());
        assertTrue(done.ok(), done.stderr());
        JSONObject report = done.json();
        assertEquals(target.toString(), report.getString("dir"));
        assertTrue(report.getLongValue("pending") >= 50, report.toString());
        assertTrue(report.getLongValue("bytes") > 0, report.toString());

        JSONObject status = anonymous.run("status").json();
        assertEquals(target.toString(), status.getString("lastBackupDir"), status.toString());
        assertTrue(status.getLongValue("lastBackupTimeMs") > 0, status.toString());
        assertEquals(status.getLongValue("storeBytes"), status.getLongValue("timerLogBytes")
                + status.getLongValue("indexBytes") + status.getLongValue("deliveredLedgerBytes"), status.toString());

        AdminCli.Result again = admin.run("backup", "--to", target.toString());
        assertEquals(1, again.exit());
        assertTrue(again.stderr().contains("exists already") && again.stderr().contains("code 29"), again.stderr());

        try (TimerStore copy = TimerStore.open(StoreConfig.defaults().withStorePath(target), Clock.SYSTEM)) {
            // Fewer if the journal named timers delivered in a burst and not yet acknowledged then.
            assertTrue(copy.pendingCount() <= report.getLongValue("pending"), copy.pendingCount() + " " + report);
            for (int i = 0; i < ids.size(); i++) {
                List<DueEntry> found = copy.findByUniqKey(topic, ids.get(i));
                assertEquals(1, found.size(), ids.get(i) + " in the backup");
                assertEquals("backed up " + i,
                        new String(copy.read(found.get(0)).message().body(), StandardCharsets.UTF_8));
            }
        }
    }
}
