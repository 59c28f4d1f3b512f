package io.sundial.compat.timed;

import com.alibaba.fastjson2.JSONObject;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.forward.BackendClients;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeaderV2;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relative delay counts from the send's born time when the producer's clock agrees with Sundial's within
 * {@code sendClockToleranceMs} (default 1 s), else from Sundial's receipt (decision 0025). Sends go through a raw
 * remoting client so that the born time can be set; the due time is read back with the admin command.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class RelativeDelayOriginTest {
    private static final long HOUR_MS = 3_600_000;

    @Test
    void shouldCountADelayFromTheBornTimeOnlyWithinTheClockTolerance(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("DelayOrigin");
        env.cluster().createTopic(topic, 1, EmbeddedCluster.PERM_READ_WRITE);
        AdminCli admin = new AdminCli(env.sundialAddr(), SundialCluster.ADMIN_TOKEN);
        NettyRemotingClient client = BackendClients.unsigned();
        try {
            long recent = System.currentTimeMillis() - 600; // a send that took 0.6 s to arrive
            send(client, env.sundialAddr(), topic, "recent", recent, Map.of("TIMER_DELAY_SEC", "3600"));
            assertEquals(recent + HOUR_MS, dueOf(admin, topic, "recent"), "counted from the born time");

            long levelBorn = System.currentTimeMillis() - 300;
            send(client, env.sundialAddr(), topic, "level", levelBorn, Map.of("DELAY", "17")); // 1 h
            assertEquals(levelBorn + HOUR_MS, dueOf(admin, topic, "level"), "a delay level likewise");

            long skewedBorn = System.currentTimeMillis() - 60_000; // a producer clock a minute behind
            long before = System.currentTimeMillis();
            send(client, env.sundialAddr(), topic, "behind", skewedBorn, Map.of("TIMER_DELAY_MS", "3600000"));
            long due = dueOf(admin, topic, "behind");
            assertTrue(due >= before + HOUR_MS, "a born time beyond the tolerance counts from the receipt: due "
                    + (due - before - HOUR_MS) + " ms off");

            long ahead = System.currentTimeMillis() + 30_000; // a producer clock ahead of Sundial's
            before = System.currentTimeMillis();
            send(client, env.sundialAddr(), topic, "ahead", ahead, Map.of("TIMER_DELAY_SEC", "3600"));
            long dueAhead = dueOf(admin, topic, "ahead");
            assertTrue(dueAhead >= before + HOUR_MS && dueAhead < ahead + HOUR_MS,
                    "a born time after the receipt counts from the receipt: due " + (dueAhead - before - HOUR_MS)
                            + " ms after receipt + 1 h");
            for (String key : new String[] {"recent", "level", "behind", "ahead"}) {
                assertTrue(admin.run("cancel", "-t", topic, "-i", uniq(topic, key)).ok(), "cancel " + key);
            }
        } finally {
            client.shutdown();
        }
    }

    private static String uniq(String topic, String name) {
        return topic + "-" + name;
    }

    private static void send(NettyRemotingClient client, String addr, String topic, String name, long bornMs,
                             Map<String, String> delay) throws Exception {
        Map<String, String> props = new HashMap<>(delay);
        props.put("UNIQ_KEY", uniq(topic, name));
        SendMessageRequestHeader h = new SendMessageRequestHeader();
        h.setProducerGroup("delay-origin");
        h.setTopic(topic);
        h.setDefaultTopic("TBW102");
        h.setDefaultTopicQueueNums(4);
        h.setQueueId(0);
        h.setSysFlag(0);
        h.setBornTimestamp(bornMs);
        h.setFlag(0);
        h.setProperties(MessageDecoder.messageProperties2String(props));
        h.setReconsumeTimes(0);
        h.setBatch(false);
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2,
                SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2(h));
        request.setBody(name.getBytes(StandardCharsets.UTF_8));
        RemotingCommand response = client.invokeSync(addr, request, 10_000);
        assertEquals(ResponseCode.SUCCESS, response.getCode(), name + ": " + response.getRemark());
    }

    private static long dueOf(AdminCli admin, String topic, String name) throws Exception {
        AdminCli.Result got = admin.run("get", "-t", topic, "-i", uniq(topic, name));
        assertTrue(got.ok(), got.stderr());
        JSONObject timer = got.json().getJSONArray("timers").getJSONObject(0);
        return timer.getLongValue("dueTimeMs");
    }
}
