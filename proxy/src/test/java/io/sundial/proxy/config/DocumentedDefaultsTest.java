package io.sundial.proxy.config;

import io.sundial.store.StoreConfig;
import io.sundial.store.service.ServiceConfig;
import org.junit.jupiter.api.Test;

import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conf/sundial.properties documents every setting, with the default the code really has. */
class DocumentedDefaultsTest {
    private static final Path CONF = Path.of("..", "conf", "sundial.properties");

    private static List<String> keysOf(Class<?> config) throws IllegalAccessException {
        List<String> keys = new ArrayList<>();
        for (Field f : config.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && f.getType() == String.class) {
                keys.add((String) f.get(null));
            }
        }
        return keys;
    }

    @Test
    void shouldListEverySettingOfEveryConfigurationClass() throws Exception {
        String text = Files.readString(CONF);
        List<String> keys = new ArrayList<>();
        keys.addAll(keysOf(StoreConfig.class));
        keys.addAll(keysOf(ServiceConfig.class));
        keys.addAll(keysOf(ProxyConfig.class));
        keys.addAll(keysOf(RequestLimits.class));
        assertTrue(keys.size() >= 25, "found the keys: " + keys);
        for (String key : keys) {
            assertTrue(text.contains("\n" + key + "=") || text.contains("\n#" + key + "="),
                    key + " is not documented in " + CONF);
        }
    }

    @Test
    void shouldDocumentTheDefaultsTheCodeHas() throws Exception {
        Properties file = new Properties();
        try (Reader r = Files.newBufferedReader(CONF)) {
            file.load(r);
        }
        ProxyConfig documented = ProxyConfig.fromProperties(file);
        ProxyConfig defaults = ProxyConfig.defaults();
        assertEquals(defaults.store().toString(), documented.store().toString());
        assertEquals(defaults.service().toString(), documented.service().toString());
        assertEquals(defaults.listenPort(), documented.listenPort());
        assertEquals(defaults.backendNamesrvAddr(), documented.backendNamesrvAddr());
        assertEquals(defaults.advertisedAddress(), documented.advertisedAddress());
        assertEquals(defaults.routeRefreshMs(), documented.routeRefreshMs());
        assertEquals(defaults.backendTimeoutMs(), documented.backendTimeoutMs());
        assertEquals(defaults.maxDelayMs(), documented.maxDelayMs());
        assertEquals(defaults.sendClockToleranceMs(), documented.sendClockToleranceMs());
        assertEquals(defaults.admin(), documented.admin());
        assertEquals(defaults.metricsPort(), documented.metricsPort());
        assertEquals(defaults.limits(), documented.limits());
        assertArrayEquals(defaults.delayLevelsMs(), documented.delayLevelsMs(),
                Arrays.toString(documented.delayLevelsMs()));
    }

    @Test
    void shouldNameTheBadValueOfAnInvalidSetting() {
        Properties p = new Properties();
        p.setProperty(ProxyConfig.LISTEN_PORT, "99999");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.fromProperties(p));
        assertTrue(e.getMessage().contains("listenPort=99999"), e.getMessage());
    }

    @Test
    void shouldReadSizesWithSuffixesAndRefuseATooSmallBudget() {
        Properties p = new Properties();
        p.setProperty(RequestLimits.MAX_INFLIGHT_BYTES, "2m");
        assertEquals(2L << 20, ProxyConfig.fromProperties(p).limits().maxInflightBytes());
        p.setProperty(RequestLimits.MAX_INFLIGHT_BYTES, "1k");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.fromProperties(p));
        assertTrue(e.getMessage().contains("maxInflightBytes=1k"), e.getMessage());
    }
}
