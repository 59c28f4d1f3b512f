package io.sundial.store;

import io.sundial.store.record.MessageProperties;
import io.sundial.store.record.TimerMessage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Messages for tests, built as a producer would send them. */
public final class TestMessages {
    private TestMessages() {
    }

    /** A message of {@code topic} with unique key {@code uniqKey} (none if null), optional keys, and a body. */
    public static TimerMessage message(String topic, String uniqKey, String keys, String body) {
        String props = "";
        if (uniqKey != null) {
            props = MessageProperties.with(props, MessageProperties.UNIQ_KEY, uniqKey);
        }
        if (keys != null) {
            props = MessageProperties.with(props, MessageProperties.KEYS, keys);
        }
        props = MessageProperties.with(props, "TAGS", "tagA");
        return new TimerMessage(topic, 1, "broker-a", "TBW102", 4, "group-1", 0, 0, 1_700_000_000_000L,
                "127.0.0.1:50000", 0, props, body.getBytes(StandardCharsets.UTF_8));
    }

    public static TimerMessage message(String topic, String uniqKey) {
        return message(topic, uniqKey, null, "body of " + uniqKey);
    }

    /** A message with a body of {@code size} bytes. */
    public static TimerMessage sized(String topic, String uniqKey, int size) {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        TimerMessage m = message(topic, uniqKey);
        return new TimerMessage(m.topic(), m.queueId(), m.brokerName(), m.defaultTopic(), m.defaultTopicQueueNums(),
                m.producerGroup(), m.sysFlag(), m.flag(), m.bornTimestamp(), m.bornHost(), m.reconsumeTimes(),
                m.properties(), body);
    }
}
