package io.sundial.proxy.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void shouldPickABrokerPortWhoseFastChannelAndHaNeighboursAreFree() {
        int listen = FreePorts.pickBroker(Set.of());

        List<Integer> ports = FreePorts.brokerPorts(listen);
        assertEquals(List.of(listen - 2, listen, listen + 1), ports);
        for (int port : ports) {
            assertTrue(FreePorts.isFree(port, false), "port " + port);
        }
    }

    @Test
    void shouldPickASundialPortWhoseVipChannelIsFreeAndClearOfTheGivenPorts() {
        int listen = FreePorts.pickSundial(Set.of());
        assertEquals(List.of(listen - 2, listen), FreePorts.sundialPorts(listen));
        for (int port : FreePorts.sundialPorts(listen)) {
            assertTrue(FreePorts.isFree(port, false), "port " + port);
        }
        for (int i = 0; i < 20; i++) {
            int other = FreePorts.pickSundial(Set.of(listen - 2));
            assertNotEquals(listen - 2, other, "the avoided port as listen port");
            assertNotEquals(listen - 2, other - 2, "the avoided port as VIP channel");
        }
    }

    @Test
    void shouldSeeAPortInUseOnAnyInterface() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = socket.getLocalPort();

            assertFalse(FreePorts.isFree(port, false));
            assertFalse(FreePorts.isFree(port, true));
        }
    }

    @Test
    void shouldAvoidTheGivenPorts() throws Exception {
        int first = FreePorts.pickSingle(Set.of());
        for (int i = 0; i < 20; i++) {
            assertNotEquals(first, FreePorts.pickSingle(Set.of(first)));
        }
    }

    @Test
    void shouldPickPortsBelowTheRangeOutgoingConnectionsAreGiven() {
        int ephemeralLow = FreePorts.ephemeralLow();
        assumeTrue(ephemeralLow > 12_000, "this machine's ephemeral range starts at " + ephemeralLow);
        for (int i = 0; i < 20; i++) {
            int single = FreePorts.pickSingle();
            assertTrue(single < ephemeralLow, single + " is in the ephemeral range");
            int broker = FreePorts.pickBroker(Set.of());
            assertTrue(broker + 1 < ephemeralLow, "broker " + broker + " reaches the ephemeral range");
        }
    }
}
