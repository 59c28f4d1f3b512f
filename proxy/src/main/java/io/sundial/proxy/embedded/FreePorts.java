package io.sundial.proxy.embedded;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Picks TCP ports that are free on every interface, for servers this JVM is about to launch.
 *
 * <p>A port is asked of the operating system (bind to port 0), so two test runs on one machine get different
 * ports; a broker needs three ({@code p - 2}, {@code p}, {@code p + 1}), so the OS's port becomes the fast-channel
 * port and the two above it are checked by binding them too. Checks bind the wildcard address without
 * {@code SO_REUSEADDR}, the strictest test: a port in use on any interface, or still in TIME_WAIT, is skipped.
 * Another process may still take a port between the check and the server's bind; the server then fails to start
 * and says so. Stateless and thread-safe.
 */
final class FreePorts {
    private static final int ATTEMPTS = 100;

    private FreePorts() {
    }

    /** A free port for a server that binds one port, other than those in {@code avoid}. */
    static int pickSingle(Set<Integer> avoid) {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port = osPort();
            if (!avoid.contains(port) && isFree(port, false)) {
                return port;
            }
        }
        throw new EmbeddedClusterException("found no free port in " + ATTEMPTS + " attempts");
    }

    /**
     * A broker {@code listenPort} p such that p - 2, p and p + 1 are all free and none is in {@code avoid}.
     */
    static int pickBroker(Set<Integer> avoid) {
        for (int i = 0; i < ATTEMPTS; i++) {
            int fast = osPort();
            int listen = fast + 2;
            if (listen + 1 > 65535) {
                continue;
            }
            List<Integer> ports = brokerPorts(listen);
            if (ports.stream().noneMatch(avoid::contains) && ports.stream().allMatch(p -> isFree(p, false))) {
                return listen;
            }
        }
        throw new EmbeddedClusterException("found no three free ports p-2, p, p+1 for a broker in "
            + ATTEMPTS + " attempts");
    }

    /** The ports a broker with this {@code listenPort} binds: fast channel, listen port, HA port. */
    static List<Integer> brokerPorts(int listenPort) {
        List<Integer> ports = new ArrayList<>(3);
        ports.add(listenPort - 2);
        ports.add(listenPort);
        ports.add(listenPort + 1);
        return ports;
    }

    /**
     * Whether a server could bind {@code port} on every interface now. With {@code reuseAddress} the check is as
     * lenient as the servers themselves (they set {@code SO_REUSEADDR}), so a port left in TIME_WAIT passes.
     */
    static boolean isFree(int port, boolean reuseAddress) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(reuseAddress);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int osPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new EmbeddedClusterException("could not bind any port to find a free one", e);
        }
    }
}
