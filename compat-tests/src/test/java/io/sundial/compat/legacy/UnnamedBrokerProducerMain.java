package io.sundial.compat.legacy;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

import java.util.List;
import java.util.TreeSet;

/**
 * Run in a child JVM with rocketmq-client 4.9.4, whose sends name no broker (it uses only API both versions
 * have): prints the queues its route offers ({@code QUEUES count brokers}, or {@code QUEUES none}), then sends {@code n} plain messages
 * (the client's round robin over those queues), {@code n} with {@code __STARTDELIVERTIME} and {@code n} with a
 * selector (queue {@code i mod count}), printing {@code SENT key queueId dueMs status msgId} for each, the queue id as the
 * answer gave it.
 */
public final class UnnamedBrokerProducerMain {
    private UnnamedBrokerProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        String namesrv = args[0];
        String topic = args[1];
        int n = Integer.parseInt(args[2]);
        DefaultMQProducer producer = new DefaultMQProducer("unnamed-broker-producer");
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(10_000);
        producer.start();
        try {
            printQueues(producer, topic);
            for (int i = 0; i < n; i++) {
                print("plain-" + i, producer.send(message(topic, "plain-" + i)), 0);
            }
            long due = System.currentTimeMillis() + 3_000;
            for (int i = 0; i < n; i++) {
                Message m = message(topic, "timed-" + i);
                m.putUserProperty("__STARTDELIVERTIME", Long.toString(due));
                print("timed-" + i, producer.send(m), due);
            }
            MessageQueueSelector byIndex = (mqs, msg, arg) -> mqs.get((Integer) arg % mqs.size());
            for (int i = 0; i < n; i++) {
                print("ordered-" + i, producer.send(message(topic, "ordered-" + i), byIndex, i), 0);
            }
            System.out.println("VERSION " + org.apache.rocketmq.common.MQVersion.getVersionDesc(
                    org.apache.rocketmq.common.MQVersion.CURRENT_VERSION));
        } finally {
            producer.shutdown();
        }
        System.out.println("DONE");
    }

    /** The queues of the topic's route, or "QUEUES none" for a topic that does not exist yet. */
    private static void printQueues(DefaultMQProducer producer, String topic) {
        try {
            List<MessageQueue> queues = producer.fetchPublishMessageQueues(topic);
            TreeSet<String> brokers = new TreeSet<>();
            queues.forEach(q -> brokers.add(q.getBrokerName()));
            System.out.println("QUEUES " + queues.size() + " " + String.join(",", brokers));
        } catch (Exception e) {
            System.out.println("QUEUES none");
        }
    }

    private static Message message(String topic, String key) throws Exception {
        return new Message(topic, "legacy", key, key.getBytes("UTF-8"));
    }

    private static void print(String key, SendResult r, long dueMs) {
        System.out.println("SENT " + key + " " + r.getMessageQueue().getQueueId() + " " + dueMs + " "
                + r.getSendStatus() + " " + r.getMsgId());
    }
}
