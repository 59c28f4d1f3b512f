package io.sundial.proxy.admin;

import com.github.luben.zstd.ZstdInputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.apache.rocketmq.common.compression.CompressionType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.InflaterInputStream;

/**
 * Decompresses a stored body for display, stopping at a cap: a body is stored as the producer compressed it, and a
 * few kilobytes of zlib can expand to gigabytes (a decompression bomb). RocketMQ's own compressors expand without a
 * limit, so the admin view reads their streams itself, in the formats they write.
 */
final class BoundedDecompression {
    private BoundedDecompression() {
    }

    /** The decompressed bytes; throws if they exceed {@code maxBytes} or the data is not valid {@code type}. */
    static byte[] decompress(CompressionType type, byte[] compressed, int maxBytes) throws IOException {
        try (InputStream in = open(type, new ByteArrayInputStream(compressed))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, compressed.length * 4 + 64));
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (out.size() + n > maxBytes) {
                    throw new IOException("the body decompresses to more than " + maxBytes + " bytes; not shown");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static InputStream open(CompressionType type, InputStream raw) throws IOException {
        return switch (type) {
            case ZLIB -> new InflaterInputStream(raw);
            case ZSTD -> new ZstdInputStream(raw);
            case LZ4 -> new LZ4FrameInputStream(raw);
        };
    }
}
