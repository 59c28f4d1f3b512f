package io.sundial.proxy.cli;

import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.embedded.EmbeddedCluster;
import io.sundial.proxy.embedded.EmbeddedClusterConfig;
import io.sundial.store.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code sundial quickstart}: a real RocketMQ 5.5.0 name server and broker (child JVMs) and Sundial in front of
 * them, with all data under one directory. Ctrl-C stops everything, Sundial first.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Start an embedded RocketMQ 5.5.0 cluster and Sundial in front of it.")
final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "data/quickstart", description = "data directory (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--namesrv-port", defaultValue = "9876", description = "name server port (default ${DEFAULT-VALUE})")
    int namesrvPort;

    @Option(names = "--broker-port", defaultValue = "10911", description = "broker port (default ${DEFAULT-VALUE})")
    int brokerPort;

    @Option(names = "--port", defaultValue = "9877", description = "Sundial's port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--metrics-port", defaultValue = "9878",
            description = "Sundial's metrics and health port (default ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--flush", defaultValue = "ASYNC_FLUSH",
            description = "Sundial's flushDiskType: SYNC_FLUSH or ASYNC_FLUSH (default ${DEFAULT-VALUE})")
    String flush;

    @Override
    public Integer call() throws Exception {
        Path root = dir.toAbsolutePath();
        System.out.println("Starting RocketMQ 5.5.0 (name server " + namesrvPort + ", broker " + brokerPort
                + ") with data in " + root.resolve("rocketmq") + " ...");
        EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedClusterConfig.builder(root.resolve("rocketmq"))
                .namesrvPort(namesrvPort).brokerPort(brokerPort).build());
        Sundial sundial;
        try {
            Properties p = new Properties();
            p.setProperty(ProxyConfig.LISTEN_PORT, Integer.toString(port));
            p.setProperty(ProxyConfig.METRICS_PORT, Integer.toString(metricsPort));
            p.setProperty(ProxyConfig.BACKEND_NAMESRV_ADDR, cluster.namesrvAddr());
            p.setProperty("storePathRootDir", root.resolve("sundial").toString());
            p.setProperty("flushDiskType", flush);
            p.setProperty(ProxyConfig.ADMIN_TOKEN, AdminTokenFile.readOrCreate(root.resolve(AdminTokenFile.NAME)));
            sundial = new Sundial(ProxyConfig.fromProperties(p), Clock.SYSTEM).start();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        System.out.printf("""

                Sundial quickstart is running.
                  producers:  setNamesrvAddr("%s")     <- Sundial: timed sends are held, others pass through
                  consumers:  setNamesrvAddr("%s")     <- the real name server, as before
                  data:       %s
                  metrics:    http://127.0.0.1:%d/metrics   health: /health/ready
                  admin:      bin/sundial admin status -s %s
                              changes need the token: --token-file %s
                              (admin token: %s)
                Ctrl-C stops Sundial, then the broker and the name server.
                %n""", sundial.address(), cluster.namesrvAddr(), root, sundial.metricsPort(), sundial.address(), root.resolve(AdminTokenFile.NAME),
                sundial.config().admin().token());
        Foreground.runUntilStopped("quickstart", sundial, cluster);
        return 0;
    }
}
