package io.sundial.store.index;

/**
 * Encoding of 64-bit counters for RocksDB's {@code uint64add} merge operator, which reads and writes fixed
 * 8-byte little-endian values and adds modulo 2^64: a negative delta in two's complement subtracts.
 */
final class Counters {
    private Counters() {
    }

    static byte[] encode(long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    static long decode(byte[] b) {
        if (b.length != 8) {
            throw new IllegalArgumentException("a counter is 8 bytes, not " + b.length);
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFFL);
        }
        return v;
    }
}
