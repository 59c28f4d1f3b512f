package io.sundial.store.service;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceConfigTest {
    @Test
    void shouldDefaultToAFiveMinuteWindowAndAMillionReferences() {
        ServiceConfig c = ServiceConfig.defaults();
        assertEquals(300_000, c.loadWindowMs());
        assertEquals(1_000_000, c.maxWheelReferences());
        assertEquals(256, c.dispatchBatchSize());
        assertTrue(c.dispatchThreads() >= 2, "one per processor, at least two");
        assertEquals(100, c.retryBackoffMinMs());
        assertEquals(30_000, c.retryBackoffMaxMs());
        assertEquals(1, c.wheelConfig().tickMs());
        assertEquals(5_000, c.ackBurstWaitMs());
    }

    @Test
    void shouldReadEveryKeyFromProperties() {
        Properties p = new Properties();
        p.setProperty("loadWindowMs", "60000");
        p.setProperty("maxWheelReferences", "5000");
        p.setProperty("loadBatchSize", "128");
        p.setProperty("loadIntervalMs", "20");
        p.setProperty("wheelTickMs", "10");
        p.setProperty("maxFirePerStep", "1000");
        p.setProperty("dispatchBatchSize", "16");
        p.setProperty("dispatchThreads", "8");
        p.setProperty("retryBackoffMinMs", " 50 ");
        p.setProperty("retryBackoffMaxMs", "5000");
        p.setProperty("closeTimeoutMs", "0");
        p.setProperty("ackBurstWaitMs", "250");
        p.setProperty("unrelated", "ignored");
        ServiceConfig c = ServiceConfig.fromProperties(p);
        assertEquals(60_000, c.loadWindowMs());
        assertEquals(5_000, c.maxWheelReferences());
        assertEquals(128, c.loadBatchSize());
        assertEquals(20, c.loadIntervalMs());
        assertEquals(10, c.wheelConfig().tickMs());
        assertEquals(1_000, c.maxFirePerStep());
        assertEquals(16, c.dispatchBatchSize());
        assertEquals(8, c.dispatchThreads());
        assertEquals(50, c.retryBackoffMinMs());
        assertEquals(5_000, c.retryBackoffMaxMs());
        assertEquals(0, c.closeTimeoutMs());
        assertEquals(250, c.ackBurstWaitMs());
    }

    @Test
    void shouldRejectBadValuesNamingTheSettingAndTheValue() {
        assertMessage(() -> ServiceConfig.defaults().withLoadWindowMs(0), "loadWindowMs=0");
        assertMessage(() -> ServiceConfig.defaults().withMaxWheelReferences(-5), "maxWheelReferences=-5");
        assertMessage(() -> ServiceConfig.defaults().withWheelTickMs(1001), "wheelTickMs=1001");
        assertMessage(() -> ServiceConfig.defaults().withDispatchBatchSize(0), "dispatchBatchSize=0");
        assertMessage(() -> ServiceConfig.defaults().withAckBurstWaitMs(-1), "ackBurstWaitMs=-1");
        assertMessage(() -> ServiceConfig.defaults().withRetryBackoffMs(500, 100), "retryBackoffMaxMs=100");
        Properties p = new Properties();
        p.setProperty("retryBackoffMaxMs", "50"); // below the default minimum of 100
        assertMessage(() -> ServiceConfig.fromProperties(p), "retryBackoffMaxMs=50");
        Properties q = new Properties();
        q.setProperty("loadBatchSize", "lots");
        assertMessage(() -> ServiceConfig.fromProperties(q), "loadBatchSize=lots");
    }

    private static void assertMessage(Runnable r, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
