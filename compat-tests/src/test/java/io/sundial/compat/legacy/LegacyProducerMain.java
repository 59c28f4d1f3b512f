package io.sundial.compat.legacy;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

/**
 * Run in a child JVM whose classpath holds rocketmq-client 4.9.8 instead of 5.5.0 (it uses only API both
 * versions have): sends one message with a delay level, one with {@code __STARTDELIVERTIME}, and a batch whose
 * messages carry {@code TIMER_DELIVER_MS} and {@code TIMER_DELAY_SEC}, through the name-server address given, and
 * prints {@code SENT form msgId earliestMs} per message.
 */
public final class LegacyProducerMain {
    private LegacyProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        String namesrv = args[0];
        String topic = args[1];
        DefaultMQProducer producer = new DefaultMQProducer("legacy-4x-producer");
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(10_000);
        producer.start();
        try {
            Message level = new Message(topic, "legacy", "key-level", "delay level 2".getBytes("UTF-8"));
            level.setDelayTimeLevel(2); // 5 s
            level.putUserProperty("form", "level");
            long before = System.currentTimeMillis();
            SendResult r1 = producer.send(level);
            System.out.println("SENT level " + r1.getMsgId() + " " + (before + 5_000));

            long start = System.currentTimeMillis() + 4_000;
            Message startDeliver = new Message(topic, "legacy", "key-start", "start deliver time".getBytes("UTF-8"));
            startDeliver.putUserProperty("__STARTDELIVERTIME", Long.toString(start));
            startDeliver.putUserProperty("form", "startDeliver");
            SendResult r2 = producer.send(startDeliver);
            System.out.println("SENT startDeliver " + r2.getMsgId() + " " + start);
            // 4.9.8's MessageBatch refuses only DELAY levels, so TIMER_* properties can travel inside a batch;
            // the stock broker would ignore them there and deliver at once. 4.9.8 does not reserve these names.
            long deliverAt = System.currentTimeMillis() + 4_000;
            Message b1 = new Message(topic, "legacy", "key-batch-deliver", "batch deliver ms".getBytes("UTF-8"));
            b1.putUserProperty("TIMER_DELIVER_MS", Long.toString(deliverAt));
            b1.putUserProperty("form", "batchDeliverMs");
            long delayFrom = System.currentTimeMillis();
            Message b2 = new Message(topic, "legacy", "key-batch-delay", "batch delay sec".getBytes("UTF-8"));
            b2.putUserProperty("TIMER_DELAY_SEC", "4");
            b2.putUserProperty("form", "batchDelaySec");
            SendResult r3 = producer.send(java.util.List.of(b1, b2));
            String[] ids = r3.getMsgId().split(",");
            System.out.println("SENT batchDeliverMs " + ids[0] + " " + deliverAt);
            System.out.println("SENT batchDelaySec " + ids[1] + " " + (delayFrom + 4_000));
            System.out.println("VERSION " + org.apache.rocketmq.common.MQVersion.getVersionDesc(
                    org.apache.rocketmq.common.MQVersion.CURRENT_VERSION));
        } finally {
            producer.shutdown();
        }
        System.out.println("DONE");
    }
}
