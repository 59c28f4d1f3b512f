package io.sundial.proxy.admission;

import io.sundial.proxy.config.ProxyConfig;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SendCheckTest {
    private final SendCheck check = new SendCheck(ProxyConfig.defaults().limits());

    static SendMessageRequestHeader header(String topic, String properties) {
        SendMessageRequestHeader h = new SendMessageRequestHeader();
        h.setTopic(topic);
        h.setProperties(properties);
        h.setQueueId(0);
        return h;
    }

    static RemotingCommand send(int code, byte[] body) {
        RemotingCommand r = RemotingCommand.createRequestCommand(code, null);
        r.setBody(body);
        return r;
    }

    static byte[] batch(int n) {
        List<Message> messages = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(new Message("Topic", "tag", "key" + i, ("body-" + i).getBytes()));
        }
        return MessageDecoder.encodeMessages(messages);
    }

    @Test
    void shouldLetAnOrdinarySendAndAWellFormedBatchGo() {
        assertNull(check.refusal(send(RequestCode.SEND_MESSAGE_V2, new byte[100]), header("Orders", "KEYS\u0001k")));
        assertNull(check.refusal(send(RequestCode.SEND_BATCH_MESSAGE, batch(3)), header("Orders", "")));
    }

    @Test
    void shouldRefuseTopicNamesAsTheBrokerDoes() {
        RemotingCommand bad = check.refusal(send(RequestCode.SEND_MESSAGE_V2, new byte[1]), header("a b", ""));
        assertEquals(ResponseCode.INVALID_PARAMETER, bad.getCode());
        assertNotNull(bad.getRemark());
        assertEquals(ResponseCode.INVALID_PARAMETER, check.refusal(send(RequestCode.SEND_MESSAGE_V2, new byte[1]),
                header("x".repeat(128), "")).getCode(), "longer than 127");
        assertEquals(ResponseCode.NO_PERMISSION, check.refusal(send(RequestCode.SEND_MESSAGE_V2, new byte[1]),
                header("SCHEDULE_TOPIC_XXXX", "")).getCode());
    }

    @Test
    void shouldRefuseABodyOverMaxMessageSizeAndPropertiesOverTheirLimit() {
        RemotingCommand big = check.refusal(send(RequestCode.SEND_MESSAGE_V2, new byte[4 * 1024 * 1024 + 1]),
                header("Orders", ""));
        assertEquals(ResponseCode.MESSAGE_ILLEGAL, big.getCode());
        assertTrue(big.getRemark().contains("maxMessageSize"), big.getRemark());
        RemotingCommand props = check.refusal(send(RequestCode.SEND_MESSAGE_V2, new byte[1]),
                header("Orders", "K\u0001" + "é".repeat(20_000)));
        assertEquals(ResponseCode.MESSAGE_ILLEGAL, props.getCode(), "40,002 bytes in UTF-8");
        assertTrue(props.getRemark().contains("maxPropertiesLength"), props.getRemark());
    }

    @Test
    void shouldRefuseBatchBodiesWhoseLengthFieldsDoNotFit() {
        byte[] good = batch(2);
        int firstBodyLength = 16;
        byte[] hugeBody = good.clone();
        ByteBuffer.wrap(hugeBody).putInt(firstBodyLength, Integer.MAX_VALUE);
        assertTrue(check.malformedBatch(hugeBody).contains("claims a body"), check.malformedBatch(hugeBody));
        byte[] negativeBody = good.clone();
        ByteBuffer.wrap(negativeBody).putInt(firstBodyLength, -5);
        assertNotNull(check.malformedBatch(negativeBody));
        byte[] negativeProperties = good.clone();
        int bodyLength = ByteBuffer.wrap(good).getInt(firstBodyLength);
        ByteBuffer.wrap(negativeProperties).putShort(firstBodyLength + 4 + bodyLength, (short) -1);
        assertTrue(check.malformedBatch(negativeProperties).contains("properties"));
        byte[] wrongTotal = good.clone();
        ByteBuffer.wrap(wrongTotal).putInt(0, 7);
        assertTrue(check.malformedBatch(wrongTotal).contains("says it is 7 bytes"));
        assertNotNull(check.malformedBatch(Arrays.copyOf(good, good.length - 3)), "cut short");
        assertNotNull(check.malformedBatch(new byte[0]), "empty");
        RemotingCommand refused = check.refusal(send(RequestCode.SEND_BATCH_MESSAGE, hugeBody), header("Orders", ""));
        assertEquals(ResponseCode.MESSAGE_ILLEGAL, refused.getCode());
        assertTrue(refused.getRemark().startsWith("the batch body is malformed"), refused.getRemark());
    }
}
