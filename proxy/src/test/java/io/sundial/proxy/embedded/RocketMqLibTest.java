package io.sundial.proxy.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocketMqLibTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepTheOrderOfTheClasspathFile() throws Exception {
        jars("rocketmq-broker-5.5.0.jar", "a-1.jar", "rocketmq-namesrv-5.5.0.jar");
        Files.writeString(dir.resolve(RocketMqLib.CLASSPATH_FILE),
            "./rocketmq-namesrv-5.5.0.jar:./rocketmq-broker-5.5.0.jar:./a-1.jar\n");

        RocketMqLib lib = RocketMqLib.at(dir);

        assertEquals(List.of("rocketmq-namesrv-5.5.0.jar", "rocketmq-broker-5.5.0.jar", "a-1.jar"), names(lib));
        assertEquals(lib.jars().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
            lib.classpath());
    }

    @Test
    void shouldSortTheJarsWithoutAClasspathFile() throws Exception {
        jars("rocketmq-namesrv-5.5.0.jar", "rocketmq-broker-5.5.0.jar", "a-1.jar");

        assertEquals(List.of("a-1.jar", "rocketmq-broker-5.5.0.jar", "rocketmq-namesrv-5.5.0.jar"),
            names(RocketMqLib.at(dir)));
    }

    @Test
    void shouldSayHowToBuildTheDirectoryWhenTheBrokerJarIsMissing() throws Exception {
        jars("rocketmq-namesrv-5.5.0.jar");

        EmbeddedClusterException e = assertThrows(EmbeddedClusterException.class, () -> RocketMqLib.at(dir));
        assertTrue(e.getMessage().contains("rocketmq-broker-"), e.getMessage());
        assertTrue(e.getMessage().contains("rocketmq-dist"), e.getMessage());
    }

    @Test
    void shouldRejectAClasspathFileNamingAMissingJar() throws Exception {
        jars("rocketmq-namesrv-5.5.0.jar", "rocketmq-broker-5.5.0.jar");
        Files.writeString(dir.resolve(RocketMqLib.CLASSPATH_FILE), "./gone-1.jar");

        EmbeddedClusterException e = assertThrows(EmbeddedClusterException.class, () -> RocketMqLib.at(dir));
        assertTrue(e.getMessage().contains("gone-1.jar"), e.getMessage());
    }

    @Test
    void shouldFindTheDirectoryNamedByTheSystemProperty() throws Exception {
        jars("rocketmq-namesrv-5.5.0.jar", "rocketmq-broker-5.5.0.jar");
        String saved = System.getProperty(RocketMqLib.LIB_PROPERTY);
        System.setProperty(RocketMqLib.LIB_PROPERTY, dir.toString());
        try {
            assertEquals(dir.toAbsolutePath().normalize(), RocketMqLib.locate().dir());
        } finally {
            if (saved == null) {
                System.clearProperty(RocketMqLib.LIB_PROPERTY);
            } else {
                System.setProperty(RocketMqLib.LIB_PROPERTY, saved);
            }
        }
    }

    private void jars(String... names) throws Exception {
        for (String name : names) {
            Files.createFile(dir.resolve(name));
        }
    }

    private static List<String> names(RocketMqLib lib) {
        return lib.jars().stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
}
