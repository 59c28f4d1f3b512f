package io.sundial.proxy.admission;

import io.sundial.proxy.config.RequestLimits;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.exception.RemotingCommandException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeaderV2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What every send must satisfy before Sundial decodes it further or holds it: a topic name as RocketMQ allows and
 * not a system topic, a body within {@code maxMessageSize}, properties within {@code maxPropertiesLength}, and a
 * batch body whose length fields all fit inside it. Answers with the broker's codes: {@code INVALID_PARAMETER}
 * (29) for a bad topic name, {@code NO_PERMISSION} (16) for a system topic, {@code MESSAGE_ILLEGAL} (13) for the
 * rest, each with a remark. Why the batch walk: RocketMQ's batch decoder allocates whatever a length field says,
 * so one forged field asked for a 2 GiB array (an OutOfMemoryError) before anything could refuse it.
 */
public final class SendCheck {
    /** A batch entry's fixed fields: total size, magic code, body CRC, flag, body length; then properties length. */
    private static final int ENTRY_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 2;

    private final RequestLimits limits;

    public SendCheck(RequestLimits limits) {
        this.limits = limits;
    }

    /**
     * The send's header. RocketMQ's header parser throws its own exception for a missing field but lets a
     * {@code NumberFormatException} out for a field of the wrong type (found by fuzzing): both become one.
     */
    public static SendMessageRequestHeader header(RemotingCommand request) throws MalformedSendException {
        try {
            // RocketMQ's parser knows the send codes only; a reply is a send with a code of its own.
            SendMessageRequestHeader header = switch (request.getCode()) {
                case RequestCode.SEND_REPLY_MESSAGE ->
                        request.decodeCommandCustomHeader(SendMessageRequestHeader.class);
                case RequestCode.SEND_REPLY_MESSAGE_V2 -> SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1(
                        request.decodeCommandCustomHeader(SendMessageRequestHeaderV2.class));
                default -> SendMessageRequestHeader.parseRequestHeader(request);
            };
            if (header == null) {
                throw new MalformedSendException("request code " + request.getCode() + " is not a send", null);
            }
            return header;
        } catch (RemotingCommandException | RuntimeException e) {
            throw new MalformedSendException("malformed send header: " + e.getMessage(), e);
        }
    }

    /** The refusal of this send, or null if it may go on. */
    public RemotingCommand refusal(RemotingCommand request, SendMessageRequestHeader header) {
        String topic = header.getTopic();
        TopicValidator.ValidateResult valid = TopicValidator.validateTopic(topic);
        if (!valid.isValid()) {
            return refuse(ResponseCode.INVALID_PARAMETER, valid.getRemark());
        }
        if (TopicValidator.isNotAllowedSendTopic(topic)) {
            return refuse(ResponseCode.NO_PERMISSION, "sending to system topic " + topic + " is forbidden");
        }
        int bodyLength = request.getBody() == null ? 0 : request.getBody().length;
        if (bodyLength > limits.maxMessageSize()) {
            return refuse(ResponseCode.MESSAGE_ILLEGAL, "the message body size " + bodyLength
                    + " is over maxMessageSize " + limits.maxMessageSize());
        }
        int propertiesLength = utf8Length(header.getProperties());
        if (propertiesLength > limits.maxPropertiesLength()) {
            return refuse(ResponseCode.MESSAGE_ILLEGAL, "the message properties length " + propertiesLength
                    + " is over maxPropertiesLength " + limits.maxPropertiesLength());
        }
        if (request.getCode() == RequestCode.SEND_BATCH_MESSAGE) {
            String malformed = malformedBatch(request.getBody());
            if (malformed != null) {
                return refuse(ResponseCode.MESSAGE_ILLEGAL, "the batch body is malformed: " + malformed);
            }
        }
        return null;
    }

    /** Why a batch body cannot be decoded safely, or null when every entry's lengths fit the body. */
    String malformedBatch(byte[] body) {
        if (body == null || body.length == 0) {
            return "it is empty";
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        int entry = 0;
        while (b.hasRemaining()) {
            int start = b.position();
            if (b.remaining() < ENTRY_FIXED_BYTES) {
                return "entry " + entry + " at byte " + start + " is cut short (" + b.remaining() + " bytes left)";
            }
            int totalSize = b.getInt();
            b.position(start + 16);
            int bodyLength = b.getInt();
            if (bodyLength < 0 || bodyLength > b.remaining() - 2) {
                return "entry " + entry + " claims a body of " + bodyLength + " bytes, " + (b.remaining() - 2)
                        + " are left";
            }
            if (bodyLength > limits.maxMessageSize()) {
                return "entry " + entry + " has a body of " + bodyLength + " bytes, over maxMessageSize "
                        + limits.maxMessageSize();
            }
            b.position(b.position() + bodyLength);
            int propertiesLength = b.getShort();
            if (propertiesLength < 0 || propertiesLength > b.remaining()) {
                return "entry " + entry + " claims properties of " + propertiesLength + " bytes, " + b.remaining()
                        + " are left";
            }
            b.position(b.position() + propertiesLength);
            if (totalSize != b.position() - start) {
                return "entry " + entry + " says it is " + totalSize + " bytes long but its fields take "
                        + (b.position() - start);
            }
            entry++;
        }
        return null;
    }

    /** Bytes of {@code s} in UTF-8, as the broker stores it; counted without encoding when it cannot matter. */
    private int utf8Length(String s) {
        if (s == null) {
            return 0;
        }
        if ((long) s.length() * 3 <= limits.maxPropertiesLength()) {
            return s.length();
        }
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static RemotingCommand refuse(int code, String remark) {
        return RemotingCommand.createResponseCommand(code, remark);
    }
}
