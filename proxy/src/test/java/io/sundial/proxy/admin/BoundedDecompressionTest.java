package io.sundial.proxy.admin;

import org.apache.rocketmq.common.compression.CompressionType;
import org.apache.rocketmq.common.compression.CompressorFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedDecompressionTest {
    @Test
    void shouldReadWhatRocketMqsOwnCompressorsWrite() throws Exception {
        byte[] body = "a body worth compressing, ".repeat(200).getBytes(StandardCharsets.UTF_8);
        for (CompressionType type : CompressionType.values()) {
            byte[] compressed = CompressorFactory.getCompressor(type).compress(body, 5);
            assertArrayEquals(body, BoundedDecompression.decompress(type, compressed, 1 << 20), type.name());
        }
    }

    @Test
    void shouldStopABombAtTheCapInsteadOfExpandingIt() throws Exception {
        byte[] sixtyFourMiBOfZeros = CompressorFactory.getCompressor(CompressionType.ZLIB)
                .compress(new byte[64 << 20], 9); // 64 MiB of zeros in about 64 KB
        assertTrue(sixtyFourMiBOfZeros.length < 200_000, "a bomb: " + sixtyFourMiBOfZeros.length + " bytes");
        IOException e = assertThrows(IOException.class,
                () -> BoundedDecompression.decompress(CompressionType.ZLIB, sixtyFourMiBOfZeros, 1 << 20));
        assertTrue(e.getMessage().contains("more than 1048576 bytes"), e.getMessage());
    }

    @Test
    void shouldReportCorruptDataAsAnError() {
        byte[] garbage = "not compressed at all".getBytes(StandardCharsets.UTF_8);
        for (CompressionType type : CompressionType.values()) {
            assertThrows(IOException.class, () -> BoundedDecompression.decompress(type, garbage, 1 << 20),
                    type.name());
        }
    }
}
