package io.sundial.proxy.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where everything of one embedded cluster lives under its data directory, so that nothing lands in the user's
 * home or the RocketMQ defaults ({@code ~/store}, {@code ~/logs/rocketmqlogs}, {@code ~/namesrv}):
 *
 * <pre>
 * dataDir/
 *   conf/          namesrv.conf, broker.conf and the logback files as written (never handed to a server)
 *   namesrv/       the name server's copy of its conf and its kvConfig.json
 *   broker/        the broker's copy of its conf, which the broker rewrites when its config changes at runtime
 *   store/         the broker's store: commit log, consume queues, timer files, config
 *   logs/          the servers' log files and their captured stdout and stderr (NAME.stdout.log, NAME.stderr.log)
 *   rocketmq-home/ the existing, empty directory that ROCKETMQ_HOME must name
 *   user-home/     user.home of the child JVMs, where RocksDB's own LOG and other stray files go
 *   tmp/           java.io.tmpdir of the child JVMs: the self-signed certificate that the servers' TLS (permissive,
 *                  as shipped) writes at every start would otherwise pile up in the machine's /tmp
 * </pre>
 */
final class DataLayout {
    private final Path root;

    DataLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Creates every directory of the layout that does not exist yet. */
    DataLayout create() throws IOException {
        for (Path dir : new Path[] {conf(), namesrvDir(), brokerDir(), store(), logs(), rocketmqHome(), userHome(),
            tmp()}) {
            Files.createDirectories(dir);
        }
        return this;
    }

    Path root() {
        return root;
    }

    Path conf() {
        return root.resolve("conf");
    }

    Path namesrvDir() {
        return root.resolve("namesrv");
    }

    Path brokerDir() {
        return root.resolve("broker");
    }

    Path store() {
        return root.resolve("store");
    }

    Path logs() {
        return root.resolve("logs");
    }

    Path rocketmqHome() {
        return root.resolve("rocketmq-home");
    }

    Path userHome() {
        return root.resolve("user-home");
    }

    Path tmp() {
        return root.resolve("tmp");
    }

    Path stdout(String server) {
        return logs().resolve(server + ".stdout.log");
    }

    Path stderr(String server) {
        return logs().resolve(server + ".stderr.log");
    }
}
