package io.sundial.proxy.cli;

import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.store.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sundial start -c FILE}: runs Sundial in the foreground against an existing cluster, like {@code mqbroker}. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Run Sundial in the foreground against an existing RocketMQ cluster.")
final class StartCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the properties file (see conf/sundial.properties)")
    Path config;

    @Override
    public Integer call() throws Exception {
        ProxyConfig cfg = ProxyConfig.load(config);
        if (cfg.admin().token().isEmpty() && cfg.admin().tokenRequired()) {
            System.err.printf("sundial start: %s sets no adminToken. Set %s=<secret> (admin commands that change "
                    + "timers present it), or %s=false to run without one.%n", config, ProxyConfig.ADMIN_TOKEN,
                    ProxyConfig.ADMIN_TOKEN_REQUIRED);
            return 2;
        }
        PidFile pid = new PidFile(cfg.store().storePath());
        if (pid.running().isPresent()) {
            System.err.printf("sundial start: Sundial is already running on store %s (pid %d, %s)%n",
                    cfg.store().storePath(), pid.running().get().pid(), pid.path());
            return 1;
        }
        Sundial sundial = new Sundial(cfg, Clock.SYSTEM).start();
        pid.writeCurrent();
        System.out.printf("Sundial is serving producers at %s (backend name server %s), metrics on port %d, "
                + "pid %d. Ctrl-C or bin/sundial stop -c %s stops it.%n", sundial.address(), cfg.backendNamesrvAddr(),
                sundial.metricsPort(), ProcessHandle.current().pid(), config);
        Foreground.runUntilStopped("sundial", sundial, pid::deleteIfOurs);
        return 0;
    }
}
