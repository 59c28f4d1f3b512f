package io.sundial.compat.passthrough;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.embedded.EmbeddedCluster;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer with message trace on ({@code enableMsgTrace}), to a trace topic of its own or to the default one: its
 * trace producer asks Sundial for the trace topic's route too, so its trace records pass through Sundial to the
 * cluster, where trace readers find a record of each send, timed or not, with its msgId.
 */
@ExtendWith(SundialCluster.class)
class MessageTraceTest {
    @Test
    void shouldPassTheProducersTraceRecordsThroughToItsOwnTraceTopic(SundialCluster.Running env) throws Exception {
        String traceTopic = Clients.unique("Traces");
        env.cluster().createTopic(traceTopic, 1, EmbeddedCluster.PERM_READ_WRITE);
        assertTracesPassThrough(env, traceTopic);
    }

    /** The default trace topic, which the test cluster's broker made ({@code traceTopicEnable=true}). */
    @Test
    void shouldPassTheProducersTraceRecordsThroughToTheDefaultTraceTopic(SundialCluster.Running env)
            throws Exception {
        assertTracesPassThrough(env, TopicValidator.RMQ_SYS_TRACE_TOPIC);
    }

    /** For the default trace topic the producer names none, as most do, and the client picks it. */
    private static void assertTracesPassThrough(SundialCluster.Running env, String traceTopic) throws Exception {
        String topic = Clients.unique("Traced");
        DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("pg"), true,
                TopicValidator.RMQ_SYS_TRACE_TOPIC.equals(traceTopic) ? null : traceTopic);
        producer.setNamesrvAddr(env.sundialAddr());
        producer.setInstanceName(Clients.unique("producer"));
        producer.setSendMsgTimeout(10_000);
        producer.start();
        try {
            Map<String, Long> dueById = Clients.sendPlainAndTimed(producer, topic, 1_000);
            assertEquals(new Clients.ReadBack(2, 0, 0, 0),
                    Clients.readBack(env.namesrvAddr(), topic, dueById, Duration.ofSeconds(30)));

            try (Clients.Received traces = Clients.consume(env.namesrvAddr(), traceTopic, false)) {
                StringBuilder seen = new StringBuilder();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!dueById.keySet().stream().allMatch(id -> seen.indexOf(id) >= 0)
                        && System.nanoTime() < deadline) {
                    for (Clients.Arrival a : traces.await(100, Duration.ofMillis(500))) {
                        seen.append(new String(a.message().getBody(), StandardCharsets.UTF_8)).append('\n');
                    }
                }
                for (String id : dueById.keySet()) {
                    assertTrue(seen.indexOf(id) >= 0, "no trace record of " + id + " in:\n" + seen);
                }
            }
        } finally {
            producer.shutdown();
        }
    }
}
