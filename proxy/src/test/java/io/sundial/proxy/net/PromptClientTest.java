package io.sundial.proxy.net;

import io.sundial.proxy.cli.admin.AdminClient;
import io.sundial.proxy.forward.BackendClients;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shutting a client down does not wait out its channel-event thread's three-second poll: the stock client's
 * shutdown took up to 3 s (every admin command 4 s). The bound asserted is a third of that poll, far from both.
 */
class PromptClientTest {
    private static final Duration PROMPT = Duration.ofSeconds(1);

    private static Set<Thread> eventThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().equals("NettyEventExecutor")).collect(Collectors.toSet());
    }

    /** Shuts {@code shutdown}'s client down after its event thread is in its poll; returns how long that took. */
    private static Duration shutDownWhilePolling(Runnable shutdown) throws InterruptedException {
        Thread.sleep(200);
        long start = System.nanoTime();
        shutdown.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void shouldShutDownAtOnceAndLeaveNoEventThread() throws Exception {
        Set<Thread> before = eventThreads();
        PromptClient client = new PromptClient(new NettyClientConfig());
        client.start();
        Set<Thread> started = eventThreads();
        started.removeAll(before);
        assertEquals(1, started.size(), "the client starts one channel-event thread");

        Duration took = shutDownWhilePolling(client::shutdown);

        assertTrue(took.compareTo(PROMPT) < 0, "shutdown took " + took.toMillis() + " ms");
        assertTrue(started.stream().noneMatch(Thread::isAlive), "its channel-event thread is still alive");
    }

    @Test
    void shouldBeTheClientOfTheBackendAndOfTheAdminCommands() throws Exception {
        Duration unsigned = shutDownWhilePolling(BackendClients.unsigned()::shutdown);
        Duration signed = shutDownWhilePolling(BackendClients.signed("ak", "sk")::shutdown);
        AdminClient admin = new AdminClient("127.0.0.1:1", null, 1_000);
        Duration adminClose = shutDownWhilePolling(admin::close);

        assertTrue(unsigned.compareTo(PROMPT) < 0, "the unsigned backend client took " + unsigned.toMillis() + " ms");
        assertTrue(signed.compareTo(PROMPT) < 0, "the signed backend client took " + signed.toMillis() + " ms");
        assertTrue(adminClose.compareTo(PROMPT) < 0, "the admin client took " + adminClose.toMillis() + " ms");
    }
}
