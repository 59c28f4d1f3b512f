package io.sundial.proxy.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the name server's and broker's configuration files and a small logback file for each into a
 * {@link DataLayout}.
 *
 * <p>What is written goes to {@code conf/}; each server is started from a copy in its own directory
 * ({@link #copyForRun}), because the broker rewrites its {@code -c} file (all of its keys, plus a {@code .bak})
 * when its config changes at runtime, and the name server remembers its {@code -c} file for the same purpose.
 * Every address is 127.0.0.1: without {@code brokerIP1} the broker registers its first non-loopback address and
 * clients go there. Stateless and thread-safe.
 */
final class ServerConfigWriter {
    static final String LOOPBACK = "127.0.0.1";
    static final String NAMESRV = "namesrv";
    static final String BROKER = "broker";

    private ServerConfigWriter() {
    }

    /** The name server's settings: port, loopback bind, ROCKETMQ_HOME and its kvConfig under the data dir. */
    static Map<String, String> namesrvProperties(DataLayout layout, int port) {
        Map<String, String> p = new TreeMap<>();
        p.put("listenPort", Integer.toString(port));
        p.put("bindAddress", LOOPBACK);
        p.put("rocketmqHome", layout.rocketmqHome().toString());
        p.put("kvConfigPath", layout.namesrvDir().resolve("kvConfig.json").toString());
        return p;
    }

    /**
     * The broker's settings: a single async master on loopback with its store under the data dir and automatic
     * creation of topics and groups, then the config's extra properties on top.
     */
    static Map<String, String> brokerProperties(EmbeddedClusterConfig config, DataLayout layout, int namesrvPort,
                                                int brokerPort) {
        Map<String, String> p = new TreeMap<>();
        p.put("brokerClusterName", config.clusterName());
        p.put("brokerName", config.brokerName());
        p.put("brokerId", "0");
        p.put("brokerRole", "ASYNC_MASTER");
        p.put("flushDiskType", "ASYNC_FLUSH");
        p.put("listenPort", Integer.toString(brokerPort));
        p.put("haListenPort", Integer.toString(brokerPort + 1));
        p.put("namesrvAddr", LOOPBACK + ":" + namesrvPort);
        p.put("brokerIP1", LOOPBACK);
        p.put("brokerIP2", LOOPBACK);
        p.put("bindAddress", LOOPBACK);
        p.put("rocketmqHome", layout.rocketmqHome().toString());
        p.put("storePathRootDir", layout.store().toString());
        p.put("storePathCommitLog", layout.store().resolve("commitlog").toString());
        p.put("autoCreateTopicEnable", "true");
        p.put("autoCreateSubscriptionGroup", "true");
        p.putAll(config.brokerProperties());
        return p;
    }

    /** The file in {@code conf/} that {@link #writeProperties} writes for {@code server}. */
    static Path confFile(DataLayout layout, String server) {
        return layout.conf().resolve(server + ".conf");
    }

    /** The logback file in {@code conf/} for {@code server}. */
    static Path logbackFile(DataLayout layout, String server) {
        return layout.conf().resolve(server + "-logback.xml");
    }

    /** Writes {@code properties} as {@code key=value} lines, sorted, to {@code conf/SERVER.conf}. */
    static Path writeProperties(DataLayout layout, String server, Map<String, String> properties) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append("# ").append(server).append(" settings written by Sundial's embedded cluster.\n");
        text.append("# The server runs from a copy of this file in its own directory.\n");
        new TreeMap<>(properties).forEach((k, v) -> text.append(k).append('=').append(escapeValue(v)).append('\n'));
        Path file = confFile(layout, server);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** Copies {@code conf/SERVER.conf} into {@code runDir}, replacing an older copy, and returns the copy. */
    static Path copyForRun(DataLayout layout, String server, Path runDir) throws IOException {
        Path copy = runDir.resolve(server + ".conf");
        Files.copy(confFile(layout, server), copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    /**
     * Writes a logback file that sends every RocketMQ logger of {@code server} to {@code logs/SERVER.log} (rolled
     * at 100 MiB, three kept) and only errors to the console, which the cluster captures.
     */
    static Path writeLogback(DataLayout layout, String server) throws IOException {
        String log = xml(layout.logs().resolve(server + ".log").toString());
        String rolled = xml(layout.logs().resolve(server + ".%i.log.gz").toString());
        String pattern = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";
        String text = ""
            + "<configuration>\n"
            + "  <appender name=\"FILE\" class=\"ch.qos.logback.core.rolling.RollingFileAppender\">\n"
            + "    <file>" + log + "</file>\n"
            + "    <rollingPolicy class=\"ch.qos.logback.core.rolling.FixedWindowRollingPolicy\">\n"
            + "      <fileNamePattern>" + rolled + "</fileNamePattern>\n"
            + "      <minIndex>1</minIndex>\n"
            + "      <maxIndex>3</maxIndex>\n"
            + "    </rollingPolicy>\n"
            + "    <triggeringPolicy class=\"ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy\">\n"
            + "      <maxFileSize>100MB</maxFileSize>\n"
            + "    </triggeringPolicy>\n"
            + "    <encoder>\n"
            + "      <pattern>" + pattern + "</pattern>\n"
            + "    </encoder>\n"
            + "  </appender>\n"
            + "  <appender name=\"CONSOLE\" class=\"ch.qos.logback.core.ConsoleAppender\">\n"
            + "    <filter class=\"ch.qos.logback.classic.filter.ThresholdFilter\">\n"
            + "      <level>ERROR</level>\n"
            + "    </filter>\n"
            + "    <encoder>\n"
            + "      <pattern>" + pattern + "</pattern>\n"
            + "    </encoder>\n"
            + "  </appender>\n"
            + "  <root level=\"INFO\">\n"
            + "    <appender-ref ref=\"FILE\"/>\n"
            + "    <appender-ref ref=\"CONSOLE\"/>\n"
            + "  </root>\n"
            + "</configuration>\n";
        Path file = logbackFile(layout, server);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** Escapes what {@link java.util.Properties#load} would otherwise read as an escape or a line end. */
    private static String escapeValue(String value) {
        return value.replace("\\", "\\\\");
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
