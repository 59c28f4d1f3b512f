package io.sundial.proxy.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedClusterConfigTest {
    private static final Path DIR = Path.of("/tmp/sundial-config-test");

    @Test
    void shouldDefaultToFreePortsAndModestMemory() {
        EmbeddedClusterConfig config = EmbeddedClusterConfig.builder(DIR).build();

        assertEquals(0, config.namesrvPort());
        assertEquals(0, config.brokerPort());
        assertEquals(512, config.namesrvHeapMb());
        assertEquals(1024, config.brokerHeapMb());
        assertEquals(Duration.ofSeconds(60), config.startTimeout());
        assertEquals(EmbeddedClusterConfig.DEFAULT_CLUSTER_NAME, config.clusterName());
        assertFalse(config.killOnClose());
        assertTrue(config.brokerProperties().isEmpty());
    }

    @Test
    void shouldKeepExtraBrokerPropertiesAsStrings() {
        EmbeddedClusterConfig config = EmbeddedClusterConfig.builder(DIR)
            .brokerProperty("timerPrecisionMs", 100)
            .brokerProperties(Map.of("timerWheelEnable", false))
            .build();

        assertEquals(Map.of("timerPrecisionMs", "100", "timerWheelEnable", "false"), config.brokerProperties());
    }

    @Test
    void shouldNameTheBadPort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerPort(2).build());
        assertTrue(e.getMessage().contains("brokerPort is 2"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).namesrvPort(70000).build());
        assertTrue(e.getMessage().contains("namesrvPort is 70000"), e.getMessage());
    }

    @Test
    void shouldRejectANameServerPortAmongTheBrokersThree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerPort(20000).namesrvPort(19998).build());
        assertTrue(e.getMessage().contains("19998"), e.getMessage());
    }

    @Test
    void shouldRejectBrokerPropertiesTheClusterSetsItself() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerProperty("listenPort", 1234).build());
        assertTrue(e.getMessage().contains("listenPort=1234"), e.getMessage());
    }

    @Test
    void shouldRejectAKeyThatIsNotPlain() {
        assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerProperty("a=b", 1).build());
        assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerProperty("key", "two\nlines").build());
    }

    @Test
    void shouldRejectBadNamesSizesAndTimeouts() {
        assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerName("broker a").build());
        assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).brokerHeapMb(16).build());
        assertThrows(IllegalArgumentException.class,
            () -> EmbeddedClusterConfig.builder(DIR).startTimeout(Duration.ZERO).build());
    }
}
