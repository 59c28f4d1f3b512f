package io.sundial.proxy.admission;

import io.sundial.proxy.config.ProxyConfig;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.header.SendMessageRequestHeader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded fuzzing of what Sundial decodes from a send, in the order it does: the header (only
 * {@link MalformedSendException} may come out: answered {@code INVALID_PARAMETER}), {@link SendCheck}, then —
 * only for what it let through — RocketMQ's batch decoder, the property parser and {@link DeliveryTimeParser}.
 * Nothing may throw past the check: no OutOfMemoryError from a forged length, no runtime exception. 100,000 inputs
 * per decoder family; a failure prints the seed and the input to replay.
 */
class HostileInputFuzzTest {
    private static final long SEED = 20261125L;
    private static final int INPUTS = 100_000;
    private static final String[] HEADER_FIELDS = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
        "n", "producerGroup", "topic", "queueId", "sysFlag", "bornTimestamp", "flag", "properties", "batch"};
    private static final String[] PROPERTY_NAMES = {"DELAY", "TIMER_DELAY_SEC", "TIMER_DELAY_MS",
        "TIMER_DELIVER_MS", "__STARTDELIVERTIME", "TIMER_DEL_UNIQKEY", "UNIQ_KEY", "KEYS", "TAGS", "x"};

    private final SendCheck check = new SendCheck(ProxyConfig.defaults().limits());
    private final DeliveryTimeParser parser = new DeliveryTimeParser(
            DeliveryTimeParser.parseLevels(DeliveryTimeParser.DEFAULT_LEVELS), Duration.ofDays(3650),
            Duration.ofSeconds(1));

    @Test
    void shouldNeverLetAForgedBatchBodyPastTheCheckOrThrowAfterIt() {
        SplittableRandom random = new SplittableRandom(SEED);
        byte[] valid = validBatch(random);
        int passed = 0;
        for (int i = 0; i < INPUTS; i++) {
            byte[] body = mutate(valid, random);
            try {
                if (check.malformedBatch(body) == null) {
                    passed++;
                    for (Message m : MessageDecoder.decodeMessages(ByteBuffer.wrap(body))) {
                        parser.parse(m.getProperties(), 1_800_000_000_000L);
                    }
                }
            } catch (Throwable t) {
                fail("input " + i + " (seed " + SEED + ", " + body.length + " bytes) escaped as " + t, t);
            }
        }
        assertTrue(passed > 0 && passed < INPUTS, "the mutations both kept and broke batches: " + passed + " kept");
    }

    @Test
    void shouldParseAnyPropertiesStringIntoADecisionOrARefusal() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        for (int i = 0; i < INPUTS; i++) {
            String properties = randomProperties(random);
            try {
                Map<String, String> map = MessageDecoder.string2messageProperties(properties);
                parser.parse(map, 1_800_000_000_000L);
                check.refusal(RemotingCommand.createRequestCommand(RequestCode.SEND_MESSAGE_V2, null),
                        SendCheckTest.header("Topic", properties));
            } catch (Throwable t) {
                fail("input " + i + " (seed " + (SEED + 1) + ") escaped as " + t + ": " + escape(properties), t);
            }
        }
    }

    @Test
    void shouldAnswerAnyHeaderWithAParsedHeaderOrAHeaderErrorOnly() {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        int malformed = 0;
        for (int i = 0; i < INPUTS; i++) {
            RemotingCommand request = RemotingCommand.createRequestCommand(
                    random.nextBoolean() ? RequestCode.SEND_MESSAGE_V2 : RequestCode.SEND_MESSAGE, null);
            Map<String, String> fields = new HashMap<>();
            int n = random.nextInt(8);
            for (int f = 0; f < n; f++) {
                fields.put(HEADER_FIELDS[random.nextInt(HEADER_FIELDS.length)], randomValue(random));
            }
            request.setExtFields(new HashMap<>(fields));
            request.setBody(random.nextInt(4) == 0 ? null : new byte[random.nextInt(64)]);
            try {
                SendMessageRequestHeader header = SendCheck.header(request);
                check.refusal(request, header);
            } catch (MalformedSendException expected) {
                malformed++;
            } catch (Throwable t) {
                fail("input " + i + " (seed " + (SEED + 2) + ") escaped as " + t + ": " + fields, t);
            }
        }
        assertTrue(malformed > 0, "some headers were malformed: " + malformed);
    }

    private static byte[] validBatch(SplittableRandom random) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Message m = new Message("Topic", "tag", "key" + i, new byte[10 + random.nextInt(50)]);
            m.putUserProperty("__STARTDELIVERTIME", Long.toString(1_800_000_060_000L + i));
            messages.add(m);
        }
        return MessageDecoder.encodeMessages(messages);
    }

    /**
     * One of: flipped bytes, a length field set to an extreme, a cut, junk appended, random bytes, or the first
     * entry's properties length set to any 16-bit value.
     */
    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] b = valid.clone();
        switch (random.nextInt(6)) {
            case 0 -> {
                for (int k = 1 + random.nextInt(4); k > 0; k--) {
                    b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case 1 -> {
                int[] extremes = {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0, 1 << 30, b.length, b.length + 1};
                int at = random.nextInt(b.length - 3);
                ByteBuffer.wrap(b).putInt(at, extremes[random.nextInt(extremes.length)]);
            }
            case 2 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
            case 3 -> {
                byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + random.nextInt(40));
                for (int k = b.length; k < longer.length; k++) {
                    longer[k] = (byte) random.nextInt(256);
                }
                b = longer;
            }
            case 4 -> {
                b = new byte[random.nextInt(200)];
                for (int k = 0; k < b.length; k++) {
                    b[k] = (byte) random.nextInt(256);
                }
            }
            default -> {
                int propertiesAt = 20 + ByteBuffer.wrap(b).getInt(16); // the first entry's properties length
                ByteBuffer.wrap(b).putShort(propertiesAt, (short) random.nextInt(65536));
            }
        }
        return b;
    }

    private static String randomProperties(SplittableRandom random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(5) != 0) {
                s.append(PROPERTY_NAMES[random.nextInt(PROPERTY_NAMES.length)]);
            }
            if (random.nextInt(6) != 0) {
                s.append('\u0001');
            }
            s.append(randomValue(random));
            if (random.nextInt(6) != 0) {
                s.append('\u0002');
            }
        }
        return s.toString();
    }

    private static String randomValue(SplittableRandom random) {
        return switch (random.nextInt(8)) {
            case 0 -> Long.toString(random.nextLong());
            case 1 -> Integer.toString(random.nextInt(40) - 5);
            case 2 -> "9".repeat(1 + random.nextInt(30));
            case 3 -> "";
            case 4 -> "-" + random.nextInt(1000);
            case 5 -> Double.toString(random.nextDouble() * 1e6);
            case 6 -> "true";
            default -> {
                char[] c = new char[random.nextInt(12)];
                for (int k = 0; k < c.length; k++) {
                    c[k] = (char) random.nextInt(0x3000);
                }
                yield new String(c);
            }
        };
    }

    private static String escape(String s) {
        return s.replace("\u0001", "<1>").replace("\u0002", "<2>");
    }
}
