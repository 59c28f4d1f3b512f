package io.sundial.proxy.embedded;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command lines and environment of the name server and broker JVMs.
 *
 * <p>Both run on the {@code java} of this JVM with the RocketMQ jars alone on their classpath. Heap and direct
 * memory are capped (the official scripts default to 8 GiB), {@code ROCKETMQ_HOME} names an existing empty
 * directory (both servers exit at start without one), {@code user.home} points into the data directory, and
 * logging goes to the cluster's own logback file: on this merged classpath RocketMQ would otherwise pick the
 * broker's logback config for both servers. Java 17 needs no {@code --add-opens} for them. Stateless.
 */
final class ServerCommands {
    static final String NAMESRV_MAIN = "org.apache.rocketmq.namesrv.NamesrvStartup";
    static final String BROKER_MAIN = "org.apache.rocketmq.broker.BrokerStartup";

    private ServerCommands() {
    }

    /** The java executable of the running JVM. */
    static String currentJava() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> namesrv(RocketMqLib lib, DataLayout layout, EmbeddedClusterConfig config, Path runConf) {
        List<String> command = jvm(lib, layout, ServerConfigWriter.NAMESRV, config.namesrvHeapMb(),
            config.namesrvDirectMb());
        command.add(NAMESRV_MAIN);
        command.add("-c");
        command.add(runConf.toString());
        return command;
    }

    static List<String> broker(RocketMqLib lib, DataLayout layout, EmbeddedClusterConfig config, Path runConf,
                               int namesrvPort) {
        List<String> command = jvm(lib, layout, ServerConfigWriter.BROKER, config.brokerHeapMb(),
            config.brokerDirectMb());
        command.add(BROKER_MAIN);
        command.add("-c");
        command.add(runConf.toString());
        command.add("-n");
        command.add(ServerConfigWriter.LOOPBACK + ":" + namesrvPort);
        return command;
    }

    /** Environment entries added to this JVM's for both servers. */
    static Map<String, String> environment(DataLayout layout) {
        return Map.of("ROCKETMQ_HOME", layout.rocketmqHome().toString());
    }

    private static List<String> jvm(RocketMqLib lib, DataLayout layout, String server, int heapMb, int directMb) {
        List<String> command = new ArrayList<>();
        command.add(currentJava());
        command.add("-server");
        command.add("-Xms" + heapMb + "m");
        command.add("-Xmx" + heapMb + "m");
        command.add("-XX:MaxDirectMemorySize=" + directMb + "m");
        command.add("-XX:+UseG1GC");
        command.add("-XX:-OmitStackTraceInFastThrow");
        command.add("-XX:+HeapDumpOnOutOfMemoryError");
        command.add("-XX:HeapDumpPath=" + layout.logs());
        // A stall in delivery is often a pause in one of the three JVMs: each writes its own GC log to compare.
        command.add("-Xlog:gc*:file=" + layout.logs().resolve(server + "-gc.log")
                + ":time,uptime,level,tags:filecount=3,filesize=10m");
        command.add("-Dfile.encoding=UTF-8");
        command.add("-Duser.home=" + layout.userHome());
        command.add("-Djava.io.tmpdir=" + layout.tmp());
        command.add("-Drocketmq.home.dir=" + layout.rocketmqHome());
        command.add("-Drocketmq.log.root=" + layout.logs());
        command.add("-Drmq.logback.configurationFile=" + ServerConfigWriter.logbackFile(layout, server));
        command.add("-cp");
        command.add(lib.classpath());
        return command;
    }
}
