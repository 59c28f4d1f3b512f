package io.sundial.store;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Unique keys for messages that arrive without one. The broker gives such messages a 32-hex-character key;
 * these have the same shape, from 128 random bits, so they cannot collide with each other in practice.
 */
final class UniqKeys {
    private UniqKeys() {
    }

    static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return HexFormat.of().withUpperCase().formatHex(java.nio.ByteBuffer.allocate(16)
                .putLong(r.nextLong()).putLong(r.nextLong()).array());
    }
}
