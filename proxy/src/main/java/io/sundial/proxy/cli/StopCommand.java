package io.sundial.proxy.cli;

import io.sundial.proxy.config.ProxyConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code sundial stop -c FILE}: asks the Sundial running on that configuration's store to stop (SIGTERM: it stops
 * taking requests, finishes in-flight appends and deliveries, flushes the log and the index, and closes in reverse
 * order of start) and waits for it. Exit 0 when it stopped or was not running, 1 when it did not stop in time.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a Sundial started with bin/sundial start.")
final class StopCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the properties file it was started with")
    Path config;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds to wait (default ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Option(names = "--force", description = "kill it (SIGKILL) if it has not stopped in time")
    boolean force;

    @Override
    public Integer call() throws Exception {
        ProxyConfig cfg = ProxyConfig.load(config);
        PidFile pid = new PidFile(cfg.store().storePath());
        Optional<ProcessHandle> running = pid.running();
        if (running.isEmpty()) {
            System.out.println("Sundial is not running (no live process in " + pid.path() + ")");
            return 0;
        }
        ProcessHandle p = running.get();
        System.out.printf("Stopping Sundial (pid %d) ...%n", p.pid());
        p.destroy();
        try {
            p.onExit().get(timeoutSeconds, TimeUnit.SECONDS);
            System.out.printf("Sundial (pid %d) stopped%n", p.pid());
            return 0;
        } catch (TimeoutException e) {
            if (force) {
                p.destroyForcibly();
                System.err.printf("Sundial (pid %d) did not stop within %d s: killed%n", p.pid(), timeoutSeconds);
            } else {
                System.err.printf("Sundial (pid %d) did not stop within %d s (still running; --force kills it)%n",
                        p.pid(), timeoutSeconds);
            }
            return 1;
        }
    }
}
