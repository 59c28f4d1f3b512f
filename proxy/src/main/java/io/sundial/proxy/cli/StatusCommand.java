package io.sundial.proxy.cli;

import io.sundial.proxy.config.ProxyConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code sundial status -c FILE}: whether a Sundial runs on that configuration's store. Exit 0 when it does, 3 when
 * it does not (the LSB convention for init scripts). For what it is doing, see {@code bin/sundial admin status}.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Say whether Sundial runs (exit 0) or not (exit 3).")
final class StatusCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the properties file it was started with")
    Path config;

    @Override
    public Integer call() throws Exception {
        ProxyConfig cfg = ProxyConfig.load(config);
        Optional<ProcessHandle> running = new PidFile(cfg.store().storePath()).running();
        if (running.isPresent()) {
            System.out.printf("Sundial is running (pid %d, store %s, port %d)%n", running.get().pid(),
                    cfg.store().storePath(), cfg.listenPort());
            return 0;
        }
        System.out.println("Sundial is not running (store " + cfg.store().storePath() + ")");
        return 3;
    }
}
