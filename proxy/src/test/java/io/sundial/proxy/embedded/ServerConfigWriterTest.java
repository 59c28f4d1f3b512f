package io.sundial.proxy.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigWriterTest {
    @TempDir
    Path dir;

    @Test
    void shouldBindTheBrokerToLoopbackWithItsStoreUnderTheDataDirectory() throws Exception {
        DataLayout layout = new DataLayout(dir).create();
        EmbeddedClusterConfig config = EmbeddedClusterConfig.builder(dir).brokerName("b-1").build();

        Map<String, String> broker = ServerConfigWriter.brokerProperties(config, layout, 9876, 10911);

        assertEquals("b-1", broker.get("brokerName"));
        assertEquals("10911", broker.get("listenPort"));
        assertEquals("10912", broker.get("haListenPort"));
        assertEquals("127.0.0.1:9876", broker.get("namesrvAddr"));
        assertEquals("127.0.0.1", broker.get("brokerIP1"));
        assertEquals("127.0.0.1", broker.get("brokerIP2"));
        assertEquals("127.0.0.1", broker.get("bindAddress"));
        assertEquals(layout.store().toString(), broker.get("storePathRootDir"));
        assertEquals("true", broker.get("autoCreateTopicEnable"));
    }

    @Test
    void shouldLetExtraPropertiesOverrideTheDefaults() throws Exception {
        DataLayout layout = new DataLayout(dir).create();
        EmbeddedClusterConfig config = EmbeddedClusterConfig.builder(dir)
            .brokerProperty("autoCreateTopicEnable", false)
            .brokerProperty("timerPrecisionMs", 100)
            .build();

        Map<String, String> broker = ServerConfigWriter.brokerProperties(config, layout, 9876, 10911);

        assertEquals("false", broker.get("autoCreateTopicEnable"));
        assertEquals("100", broker.get("timerPrecisionMs"));
    }

    @Test
    void shouldWriteWhatPropertiesLoadReadsBack() throws Exception {
        DataLayout layout = new DataLayout(dir).create();
        Map<String, String> written = new HashMap<>(ServerConfigWriter.namesrvProperties(layout, 9876));
        written.put("odd", "a\\b:c=d");

        Path file = ServerConfigWriter.writeProperties(layout, ServerConfigWriter.NAMESRV, written);
        Path copy = ServerConfigWriter.copyForRun(layout, ServerConfigWriter.NAMESRV, layout.namesrvDir());

        assertEquals(written, load(file));
        assertEquals(written, load(copy));
        assertEquals(layout.namesrvDir().resolve("namesrv.conf"), copy);
    }

    @Test
    void shouldSendServerLogsToTheLogDirectory() throws Exception {
        DataLayout layout = new DataLayout(dir).create();

        Path file = ServerConfigWriter.writeLogback(layout, ServerConfigWriter.BROKER);

        String xml = Files.readString(file);
        assertTrue(xml.contains("<file>" + layout.logs().resolve("broker.log") + "</file>"), xml);
        assertTrue(xml.contains("<level>ERROR</level>"), xml);
    }

    private static Map<String, String> load(Path file) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        Map<String, String> map = new HashMap<>();
        properties.forEach((k, v) -> map.put((String) k, (String) v));
        return map;
    }
}
