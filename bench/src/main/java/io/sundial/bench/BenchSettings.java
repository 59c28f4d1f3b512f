package io.sundial.bench;

import java.nio.file.Path;

/**
 * The bench's knobs, as given on the command line (defaults are the scenarios). {@code rawDir}: where each
 * delivery run writes one line per message (null: not written).
 */
record BenchSettings(Path home, int runs, int inFlight, int bodyBytes, String sundialJavaOpts, String sundialFlush,
                     int brokerHeapMb, int herd, long herdLeadMs, int spread, int tenSeconds, int delayLevel3,
                     int sendCount, int steadyRate, int steadySeconds, int recalls, long recallLeadMs,
                     int pending, java.util.Map<String, String> sundialProperties, Path rawDir) {

    /** A new body of {@code bodyBytes} random bytes: incompressible, like the 1 KiB bodies. */
    byte[] newBody() {
        byte[] body = new byte[bodyBytes];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(body);
        return body;
    }
}
