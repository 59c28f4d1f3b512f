package io.sundial.proxy.cli;

import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.store.StoreConfig;
import io.sundial.store.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code sundial train-class-archive DIR}, run by {@code bin/sundial start} under {@code -XX:ArchiveClassesAtExit}:
 * starts and closes a Sundial on a throwaway store in {@code DIR}, with ports the system picks and no cluster, so
 * that the JVM archives the classes a start loads (decision 0052). Not for operators, so not listed.
 */
@Command(name = "train-class-archive", hidden = true,
        description = "Start and close a Sundial on a throwaway store, for bin/sundial start's class-data archive.")
final class ClassArchiveTrainingCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "an empty directory for the throwaway store")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Properties p = new Properties();
        p.setProperty(ProxyConfig.LISTEN_PORT, "0");
        p.setProperty(ProxyConfig.METRICS_PORT, "0");
        // Nothing listens there: routes are looked up lazily, so the start needs no cluster.
        p.setProperty(ProxyConfig.BACKEND_NAMESRV_ADDR, "127.0.0.1:1");
        p.setProperty(ProxyConfig.ADMIN_TOKEN_REQUIRED, "false");
        p.setProperty("storePathRootDir", dir.resolve("store").toString());
        p.setProperty(StoreConfig.MIN_FREE_DISK_BYTES, "1m");
        new Sundial(ProxyConfig.fromProperties(p), Clock.SYSTEM).start().close();
        return 0;
    }
}
