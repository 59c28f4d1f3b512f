package io.sundial.proxy.dispatch;

import io.sundial.proxy.admission.DeliveryTimeParser;
import io.sundial.store.record.TimerMessage;
import io.sundial.store.service.DueTimer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageDecoder;

import java.util.Map;

/**
 * The message as the backend receives it when a timer fires: the producer's properties, flag and body exactly as
 * stored (a compressed body stays compressed), without the properties that would make the broker delay it
 * again, and with Sundial's own properties recording the producer's born host and time (the broker takes both
 * from Sundial's connection) and the intended and actual delivery times.
 */
final class RepublishedMessage {
    /** The producer's address as it connected to Sundial. */
    static final String BORN_HOST = "SUNDIAL_BORN_HOST";
    /** The producer's born timestamp (batches share one in the header). */
    static final String BORN_TIMESTAMP = "SUNDIAL_BORN_TIMESTAMP";
    /** When the message was due (epoch ms). */
    static final String DUE_MS = "SUNDIAL_DUE_MS";
    /** When Sundial's wheel fired it (epoch ms). */
    static final String FIRED_MS = "SUNDIAL_FIRED_MS";

    private RepublishedMessage() {
    }

    /** The encoded properties to send. */
    static String properties(DueTimer timer) {
        return MessageDecoder.messageProperties2String(propertyMap(timer));
    }

    /** A {@link Message} for a batch body: topic, flag, body and properties. */
    static Message forBatch(DueTimer timer) {
        TimerMessage m = timer.message();
        Message msg = new Message();
        msg.setTopic(m.topic());
        msg.setFlag(m.flag());
        msg.setBody(m.body());
        MessageAccessor.setProperties(msg, propertyMap(timer)); // parsed once: a burst re-publishes 100,000s
        return msg;
    }

    private static Map<String, String> propertyMap(DueTimer timer) {
        TimerMessage m = timer.message();
        Map<String, String> props = MessageDecoder.string2messageProperties(m.properties());
        for (String p : DeliveryTimeParser.DELAY_PROPERTIES) {
            props.remove(p);
        }
        props.put(BORN_HOST, m.bornHost());
        props.put(BORN_TIMESTAMP, Long.toString(m.bornTimestamp()));
        props.put(DUE_MS, Long.toString(timer.entry().dueMs()));
        props.put(FIRED_MS, Long.toString(timer.firedAtMs()));
        return props;
    }
}
