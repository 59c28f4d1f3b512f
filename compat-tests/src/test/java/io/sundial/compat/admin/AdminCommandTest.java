package io.sundial.compat.admin;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code bin/sundial admin ... --json} against the shared Sundial: what it reports of timers sent by the
 * stock client, and what its changes do to what the consumer receives.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class AdminCommandTest {
    private static final String START_DELIVER_TIME = "__STARTDELIVERTIME";

    @Test
    void shouldCountListAndFindPendingTimersOnThreeTopics(SundialCluster.Running env) throws Exception {
        AdminCli admin = new AdminCli(env.sundialAddr(), null);
        String a = Clients.unique("AdminA");
        String b = Clients.unique("AdminB");
        String c = Clients.unique("AdminC");
        long now = System.currentTimeMillis();
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        Set<String> sentA = new HashSet<>();
        List<SendResult> sentB = new ArrayList<>();
        SendResult bigSent;
        try {
            for (int batch = 0; batch < 100; batch++) {
                List<Message> messages = new ArrayList<>(100);
                for (int i = batch * 100; i < batch * 100 + 100; i++) {
                    Message m = new Message(a, "tagA", "a-" + i, ("body " + i).getBytes(StandardCharsets.UTF_8));
                    // Due 20 to 30 minutes ahead, not in send order, so that the list's order is the store's.
                    m.putUserProperty(START_DELIVER_TIME, Long.toString(now + 1_200_000 + (i * 7_919L % 10_000) * 60));
                    messages.add(m);
                }
                producer.send(messages);
                messages.forEach(m -> sentA.add(MessageClientIDSetter.getUniqID(m)));
            }
            for (int i = 0; i < 20; i++) {
                Message m = new Message(b, "tagB", i < 3 ? "shared-key" : "b-" + i,
                        ("body of b" + i).getBytes(StandardCharsets.UTF_8));
                m.setDeliverTimeMs(now + 2 * 86_400_000L + i);
                sentB.add(producer.send(m));
            }
            // Over the client's compression threshold (4 KiB): stored compressed, shown decompressed.
            Message big = new Message(b, "tagB", "big", "0123456789".repeat(1_000).getBytes(StandardCharsets.UTF_8));
            big.setDeliverTimeMs(now + 3 * 86_400_000L);
            bigSent = producer.send(big);
            for (int i = 0; i < 5; i++) {
                Message m = new Message(c, "tagC", "c-" + i, "far".getBytes(StandardCharsets.UTF_8));
                m.setDeliverTimeMs(now + 90 * 86_400_000L);
                producer.send(m);
            }
        } finally {
            producer.shutdown();
        }
        assertEquals(10_000, sentA.size());

        AdminCli.Result stats = admin.run("stats");
        assertTrue(stats.ok(), stats.stderr());
        Map<String, JSONObject> byTopic = new HashMap<>();
        JSONArray topics = stats.json().getJSONArray("topics");
        for (int i = 0; i < topics.size(); i++) {
            byTopic.put(topics.getJSONObject(i).getString("topic"), topics.getJSONObject(i));
        }
        assertEquals(10_000, byTopic.get(a).getLongValue("pending"));
        assertEquals(10_000, byTopic.get(a).getJSONObject("due").getLongValue("nextHour"));
        assertEquals(21, byTopic.get(b).getLongValue("pending"));
        assertEquals(21, byTopic.get(b).getJSONObject("due").getLongValue("nextMonth"));
        assertEquals(5, byTopic.get(c).getLongValue("pending"));
        assertEquals(5, byTopic.get(c).getJSONObject("due").getLongValue("later"));
        AdminCli.Result one = admin.run("stats", "-t", c);
        assertEquals(1, one.json().getJSONArray("topics").size());

        // Ten pages of a thousand: every timer once, in due order.
        List<JSONObject> listed = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            AdminCli.Result page = after == null ? admin.run("list", "-t", a, "--limit", "1000")
                    : admin.run("list", "-t", a, "--limit", "1000", "--after", after);
            assertTrue(page.ok(), page.stderr());
            JSONArray timers = page.json().getJSONArray("timers");
            for (int i = 0; i < timers.size(); i++) {
                listed.add(timers.getJSONObject(i));
            }
            after = page.json().getString("next");
            pages++;
        } while (after != null && pages < 20);
        assertEquals(10_000, listed.size());
        Set<String> listedKeys = new HashSet<>();
        listed.forEach(t -> listedKeys.add(t.getString("uniqKey")));
        assertEquals(sentA, listedKeys, "no gap, no repeat");
        for (int i = 1; i < listed.size(); i++) {
            JSONObject prev = listed.get(i - 1);
            JSONObject cur = listed.get(i);
            long d = Long.compare(prev.getLongValue("dueTimeMs"), cur.getLongValue("dueTimeMs"));
            assertTrue(d < 0 || (d == 0 && prev.getLongValue("seq") < cur.getLongValue("seq")), "due order at " + i);
        }
        JSONObject first = listed.get(0);
        assertEquals("tagA", first.getString("tags"));
        assertEquals("PENDING", first.getString("state"));
        assertTrue(first.getString("dueTime").endsWith("Z"), "ISO-8601 in UTC: " + first.getString("dueTime"));

        // get: by unique key, by message key (all matches), by either msgId a send returns.
        SendResult b5 = sentB.get(5);
        AdminCli.Result byUniq = admin.run("get", "-t", b, "-i", b5.getMsgId(), "--body");
        assertTrue(byUniq.ok(), byUniq.stderr());
        JSONObject t5 = byUniq.json().getJSONArray("timers").getJSONObject(0);
        assertEquals("b-5", t5.getString("keys"));
        assertEquals("body of b5", t5.getString("body"));
        assertEquals("tagB", t5.getJSONObject("properties").getString("TAGS"));
        assertEquals(3, admin.run("get", "-t", b, "-k", "shared-key").json().getJSONArray("timers").size());
        SendResult b7 = sentB.get(7);
        AdminCli.Result byId = admin.run("get", "-m", b7.getOffsetMsgId());
        assertTrue(byId.ok(), byId.stderr());
        assertEquals(b7.getMsgId(), byId.json().getJSONArray("timers").getJSONObject(0).getString("uniqKey"));
        AdminCli.Result byMsgId = admin.run("get", "-t", b, "-m", b7.getMsgId());
        assertEquals(b7.getOffsetMsgId(), byMsgId.json().getJSONArray("timers").getJSONObject(0).getString("id"));
        AdminCli.Result noTopic = admin.run("get", "-m", b7.getMsgId());
        assertNotEquals(0, noTopic.exit(), "a producer msgId needs its topic");
        assertTrue(noTopic.stderr().contains("-t"), noTopic.stderr());
        JSONObject big = admin.run("get", "-m", bigSent.getOffsetMsgId(), "--body").json().getJSONArray("timers")
                .getJSONObject(0);
        assertEquals("0123456789".repeat(1_000), big.getString("body"));
        assertEquals("ZLIB", big.getString("bodyCompression"), "the client compressed it; get shows it plain");
        AdminCli.Result missing = admin.run("get", "-t", b, "-i", "no-such-key");
        assertEquals(1, missing.exit());
    }

    @Test
    void shouldCancelAndRescheduleOnlyWithTheToken(SundialCluster.Running env) throws Exception {
        AdminCli anonymous = new AdminCli(env.sundialAddr(), null);
        AdminCli admin = anonymous.withToken(SundialCluster.ADMIN_TOKEN);
        String topic = Clients.unique("AdminChange");
        env.cluster().createTopic(topic, 4, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received received = Clients.consume(env.namesrvAddr(), topic, false)) {
            long now = System.currentTimeMillis();
            // Far enough ahead for the dozen CLI runs below (a JVM start each) to come first: 40 s was not, once,
            // on a machine also running a benchmark (the reschedule found the timer delivered).
            long[] due = {now + 75_000, now + 75_000, now + 75_000, now + 150_000};
            String[] ids = new String[due.length];
            for (int i = 0; i < due.length; i++) {
                Message m = new Message(topic, "t", "k" + i, ("m" + i).getBytes(StandardCharsets.UTF_8));
                m.setDeliverTimeMs(due[i]);
                ids[i] = producer.send(m).getMsgId();
            }

            // Without the token, or with a wrong one: refused, nothing changes.
            AdminCli.Result wrong = anonymous.withToken("wrong").run("cancel", "-t", topic, "-i", ids[0]);
            assertEquals(1, wrong.exit());
            assertTrue(wrong.stderr().contains("wrong") && wrong.stderr().contains("code 16"), wrong.stderr());
            AdminCli.Result none = anonymous.run("cancel", "-t", topic, "-i", ids[0]);
            assertEquals(1, none.exit());
            assertTrue(none.stderr().contains("needs the admin token"), none.stderr());
            assertEquals(1, anonymous.run("reschedule", "-t", topic, "-i", ids[0], "--delay", "1h").exit());
            assertEquals(1, anonymous.run("pause", "-t", topic).exit());
            assertEquals(1, anonymous.run("resume", "-t", topic).exit());
            assertEquals(1, anonymous.run("release", "-t", topic, "--all").exit());
            JSONObject still = admin.run("get", "-t", topic, "-i", ids[0]).json().getJSONArray("timers")
                    .getJSONObject(0);
            assertEquals(due[0], still.getLongValue("dueTimeMs"), "not rescheduled");
            assertTrue(anonymous.run("stats", "-t", topic).ok(), "reads need no token");

            AdminCli.Result cancelled = admin.run("cancel", "-t", topic, "-i", ids[1]);
            assertTrue(cancelled.ok(), cancelled.stderr());
            assertEquals("CANCELLED", cancelled.json().getJSONArray("timers").getJSONObject(0).getString("outcome"));
            AdminCli.Result again = admin.run("cancel", "-t", topic, "-i", ids[1]);
            assertEquals(1, again.exit());
            assertTrue(again.stderr().contains("already cancelled"), again.stderr());

            long later = due[2] + 10_000;
            assertTrue(admin.run("reschedule", "-t", topic, "-i", ids[2], "--at", Long.toString(later)).ok());
            long earlier = System.currentTimeMillis() + 3_000;
            AdminCli.Result moved = admin.run("reschedule", "-t", topic, "-i", ids[3], "--at",
                    java.time.Instant.ofEpochMilli(earlier).toString());
            assertTrue(moved.ok(), moved.stderr());
            assertEquals("RESCHEDULED", moved.json().getJSONArray("timers").getJSONObject(0).getString("outcome"));

            List<Clients.Arrival> got = received.await(3, Duration.ofSeconds(120));
            got.addAll(received.drain(Duration.ofSeconds(3)));
            Map<String, Long> at = new HashMap<>();
            got.forEach(x -> at.put(x.message().getMsgId(), x.receivedAtMs()));
            assertEquals(Set.of(ids[0], ids[2], ids[3]), at.keySet(), "the cancelled one never arrives");
            assertTrue(at.get(ids[0]) >= due[0]);
            assertTrue(at.get(ids[3]) >= earlier && at.get(ids[3]) < due[3], "moved earlier, not before it");
            assertTrue(at.get(ids[2]) >= later, "moved later, not before it");
            assertNull(at.get(ids[1]));

            AdminCli.Result delivered = admin.run("cancel", "-t", topic, "-i", ids[0]);
            assertEquals(1, delivered.exit());
            assertTrue(delivered.stderr().contains("already delivered"), delivered.stderr());
            assertFalse(admin.run("cancel", "-t", topic, "-i", "never-sent").ok());
        } finally {
            producer.shutdown();
        }
    }
}
