package io.sundial.compat.passthrough;

import io.sundial.compat.Clients;
import io.sundial.compat.SundialCluster;
import io.sundial.proxy.Sundial;
import io.sundial.proxy.config.ProxyConfig;
import io.sundial.proxy.net.FreePorts;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client with {@code vipChannelEnabled} (older 4.x clients' default) sends to each broker address of its routes
 * with the port minus 2, so to Sundial's port minus 2: Sundial listens there too, with the same processors.
 */
@ExtendWith(SundialCluster.class)
class VipChannelTest {
    @TempDir
    Path dir;

    @Test
    void shouldServeSendsOfAClientWithTheVipChannelEnabled(SundialCluster.Running env) throws Exception {
        int port = FreePorts.pickSundial();
        try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir.resolve("vip"), port)) {
            assertEquals(port - 2, sundial.vipPort());
            String topic = Clients.unique("Vip");
            DefaultMQProducer producer = new DefaultMQProducer(Clients.unique("pg"));
            producer.setNamesrvAddr(sundial.address());
            producer.setInstanceName(Clients.unique("producer"));
            producer.setVipChannelEnabled(true);
            producer.setSendMsgTimeout(10_000);
            producer.start();
            Map<String, Long> dueById;
            try {
                dueById = Clients.sendPlainAndTimed(producer, topic, 1_000);
            } finally {
                producer.shutdown();
            }
            Clients.ReadBack read = Clients.readBack(env.namesrvAddr(), topic, dueById, Duration.ofSeconds(30));
            assertEquals(new Clients.ReadBack(2, 0, 0, 0), read, "both delivered once, none early");
        }
    }

    @Test
    void shouldRefuseToStartNamingTheSettingWhenTheVipPortIsTaken(SundialCluster.Running env) throws Exception {
        int port = FreePorts.pickSundial();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(port - 2));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SundialCluster.startSundial(env.namesrvAddr(), dir.resolve("taken"), port));
            assertTrue(e.getMessage().contains(ProxyConfig.VIP_CHANNEL_ENABLED), e.getMessage());
            try (Sundial sundial = SundialCluster.startSundial(env.namesrvAddr(), dir.resolve("taken"), port,
                    ProxyConfig.VIP_CHANNEL_ENABLED, "false")) {
                assertEquals(-1, sundial.vipPort(), "no VIP channel when it is turned off");
                assertEquals(port, sundial.port());
            }
        }
    }

    @Test
    void shouldOpenNoVipChannelOnARandomPort(SundialCluster.Running env) {
        assertEquals(-1, env.sundial().vipPort(), "listenPort 0 has no agreed neighbour");
    }
}
