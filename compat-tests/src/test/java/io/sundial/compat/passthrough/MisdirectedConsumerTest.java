package io.sundial.compat.passthrough;

import com.alibaba.fastjson2.JSONArray;
import io.sundial.compat.AdminCli;
import io.sundial.compat.Clients;
import io.sundial.compat.PrometheusText;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.protocol.RemotingSysResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consumer given Sundial's address instead of the cluster's name server (one shared name-server setting, as
 * Spring's {@code rocketmq.name-server}): Sundial serves producers only, so it consumes nothing. The mistake must
 * show on both sides: the client's rebalancing request gets {@code REQUEST_CODE_NOT_SUPPORTED} with a remark
 * naming the request and where consumers belong, and the operator sees the group in {@code admin status} and
 * the refusals in the metrics. A consumer of the cluster's name server gets the same message.
 */
@ExtendWith(SundialCluster.class)
class MisdirectedConsumerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void shouldShowAConsumerPointedAtSundialToTheClientAndTheOperator(SundialCluster.Running env) throws Exception {
        String topic = Clients.unique("Misdirected");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        DefaultMQProducer producer = Clients.producer(env.sundialAddr());
        try (Clients.Received misdirected = Clients.consume(env.sundialAddr(), topic, false);
             Clients.Received rightful = Clients.consume(env.namesrvAddr(), topic, false)) {
            String group = misdirected.consumer().getConsumerGroup();
            producer.send(new Message(topic, "t", "k", "plain".getBytes(StandardCharsets.UTF_8)));
            assertEquals(1, rightful.await(1, Duration.ofSeconds(30)).size(), "the cluster's consumer gets it");

            AdminCli.Result status = awaitGroupInStatus(env, group);
            JSONArray rows = status.json().getJSONArray("misdirectedConsumers");
            String row = rows.toString();
            assertTrue(row.contains(misdirected.consumer().getDefaultMQPushConsumerImpl().getmQClientFactory()
                    .getClientId()), "the client id is named: " + row);

            MQBrokerException refused = assertThrows(MQBrokerException.class, () -> misdirected.consumer()
                    .getDefaultMQPushConsumerImpl().getmQClientFactory().getMQClientAPIImpl()
                    .getConsumerIdListByGroup(env.sundialAddr(), group, 3_000));
            assertEquals(RemotingSysResponseCode.REQUEST_CODE_NOT_SUPPORTED, refused.getResponseCode());
            assertTrue(refused.getErrorMessage().contains("GET_CONSUMER_LIST_BY_GROUP")
                    && refused.getErrorMessage().contains("cluster's name server"), refused.getErrorMessage());
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + env.sundial().metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(PrometheusText.value(metrics, "sundial_requests_refused_total{code=\"38\"}") >= 2, metrics);
            assertTrue(PrometheusText.value(metrics, "sundial_consumer_groups_misdirected") >= 1, metrics);

            assertEquals(0, misdirected.drain(Duration.ofSeconds(2)).size(), "nothing reaches it through Sundial");
        } finally {
            producer.shutdown();
        }
    }

    /**
     * A producer and a consumer in one JVM with one {@code instanceName} (set so, or by default in clients that
     * named instances by the process id alone) share one client instance and its name server, the first one's:
     * the consumer given the cluster's name server is on Sundial's after all.
     */
    @Test
    void shouldShowAConsumerThatSharesTheClientInstanceOfAProducerOfSundial(SundialCluster.Running env)
            throws Exception {
        String topic = Clients.unique("SharedInstance");
        env.cluster().createTopic(topic, 2, EmbeddedCluster.PERM_READ_WRITE);
        String instance = Clients.unique("shared");
        DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("pg"));
        producer.setNamesrvAddr(env.sundialAddr());
        producer.setInstanceName(instance);
        producer.start();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(Clients.unique("cg"));
        consumer.setNamesrvAddr(env.namesrvAddr());
        consumer.setInstanceName(instance);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) ->
                ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        try {
            consumer.start();
            awaitGroupInStatus(env, consumer.getConsumerGroup());
        } finally {
            consumer.shutdown();
            producer.shutdown();
        }
    }

    private static AdminCli.Result awaitGroupInStatus(SundialCluster.Running env, String group) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            AdminCli.Result status = new AdminCli(env.sundialAddr(), null).run("status");
            assertTrue(status.ok(), status.toString());
            JSONArray rows = status.json().getJSONArray("misdirectedConsumers");
            if (rows != null && rows.toString().contains("\"" + group + "\"")) {
                return status;
            }
            assertTrue(System.nanoTime() < deadline, "group " + group + " in status within 30 s: " + rows);
            Thread.sleep(250);
        }
    }
}
