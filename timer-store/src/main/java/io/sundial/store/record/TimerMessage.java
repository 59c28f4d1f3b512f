package io.sundial.store.record;

import java.util.Arrays;
import java.util.Objects;

/**
 * Everything needed to re-publish a message exactly as its producer sent it: the send request's header fields
 * and the message's properties and body, stored as received (a compressed body stays compressed, with its
 * sysFlag). Immutable; the body array is not copied, so callers must not change it after construction.
 *
 * @param topic                 the real topic the message is re-published to
 * @param queueId               queue the producer chose
 * @param brokerName            backend broker the producer chose (may be empty for old clients)
 * @param defaultTopic          the request's default topic (usually {@code TBW102}), for auto-creation
 * @param defaultTopicQueueNums the request's default queue count
 * @param producerGroup         producer group of the send
 * @param sysFlag               RocketMQ sysFlag (compression, multi-tags, born-host IPv6 bits)
 * @param flag                  the message's user flag
 * @param bornTimestamp         when the producer made the message (epoch ms)
 * @param bornHost              producer address as {@code host:port}, taken from its connection
 * @param reconsumeTimes        the request's reconsume times
 * @param properties            RocketMQ-encoded properties ({@code name\u0001value\u0002}...)
 * @param body                  the body as received
 */
public record TimerMessage(
        String topic,
        int queueId,
        String brokerName,
        String defaultTopic,
        int defaultTopicQueueNums,
        String producerGroup,
        int sysFlag,
        int flag,
        long bornTimestamp,
        String bornHost,
        int reconsumeTimes,
        String properties,
        byte[] body) {

    public TimerMessage {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        brokerName = brokerName == null ? "" : brokerName;
        defaultTopic = defaultTopic == null ? "" : defaultTopic;
        producerGroup = producerGroup == null ? "" : producerGroup;
        bornHost = bornHost == null ? "" : bornHost;
        properties = properties == null ? "" : properties;
        Objects.requireNonNull(body, "body");
    }

    /** The value of property {@code name}, or null. */
    public String property(String name) {
        return MessageProperties.get(properties, name);
    }

    /** A copy with other properties (for example with a generated {@code UNIQ_KEY} added). */
    public TimerMessage withProperties(String newProperties) {
        return new TimerMessage(topic, queueId, brokerName, defaultTopic, defaultTopicQueueNums, producerGroup,
                sysFlag, flag, bornTimestamp, bornHost, reconsumeTimes, newProperties, body);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimerMessage m
                && queueId == m.queueId && defaultTopicQueueNums == m.defaultTopicQueueNums
                && sysFlag == m.sysFlag && flag == m.flag && bornTimestamp == m.bornTimestamp
                && reconsumeTimes == m.reconsumeTimes && topic.equals(m.topic) && brokerName.equals(m.brokerName)
                && defaultTopic.equals(m.defaultTopic) && producerGroup.equals(m.producerGroup)
                && bornHost.equals(m.bornHost) && properties.equals(m.properties) && Arrays.equals(body, m.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, queueId, properties) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "TimerMessage[topic=" + topic + ", queueId=" + queueId + ", brokerName=" + brokerName
                + ", properties=" + properties.length() + " chars, body=" + body.length + " bytes]";
    }
}
