package io.sundial.proxy.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Picks TCP ports that are free on every interface, for servers that are about to be launched (often in another
 * process, seconds later).
 *
 * <p>Candidates are drawn at random from below the operating system's ephemeral range. A port inside that range,
 * which is what binding port 0 returns, can be taken as the local port of any outgoing connection (a client
 * reconnecting, a broker registering with its name server) between the check and the server's bind; a port below
 * it can only be taken by another server. A broker needs three ports ({@code p - 2}, {@code p}, {@code p + 1}),
 * Sundial two ({@code p - 2}, its VIP channel, and {@code p}), all checked. Checks bind the wildcard address
 * without {@code SO_REUSEADDR}, the strictest test: a port in use on any interface, or still in TIME_WAIT, is
 * skipped. Another server may still take a port between the check and the bind; that server then fails to start
 * and says so. Stateless and thread-safe.
 */
public final class FreePorts {
    private static final int ATTEMPTS = 100;
    /** Well clear of the registered ports most development machines already run something on. */
    private static final int LOWEST = 10_000;
    /** Linux's own default lower bound, used where the range cannot be read. */
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Read once: a pick makes up to {@value #ATTEMPTS} candidates. */
    private static final int EPHEMERAL_LOW = readEphemeralLow();

    private FreePorts() {
    }

    /** A free port for a server that binds one port, other than those in {@code avoid}. */
    public static int pickSingle(Set<Integer> avoid) {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port = candidate(0);
            if (!avoid.contains(port) && isFree(port, false)) {
                return port;
            }
        }
        throw new IllegalStateException("found no free port in " + ATTEMPTS + " attempts");
    }

    /** A free port for a server that binds one port. */
    public static int pickSingle() {
        return pickSingle(Set.of());
    }

    /**
     * A broker {@code listenPort} p such that p - 2, p and p + 1 are all free and none is in {@code avoid}.
     */
    public static int pickBroker(Set<Integer> avoid) {
        return pickGroup(avoid, 3, FreePorts::brokerPorts, "three free ports p-2, p, p+1 for a broker");
    }

    /** The ports a broker with this {@code listenPort} binds: fast channel, listen port, HA port. */
    public static List<Integer> brokerPorts(int listenPort) {
        return List.of(listenPort - 2, listenPort, listenPort + 1);
    }

    /** A Sundial {@code listenPort} p such that p - 2 (its VIP channel) and p are free, neither in {@code avoid}. */
    public static int pickSundial(Set<Integer> avoid) {
        return pickGroup(avoid, 3, FreePorts::sundialPorts, "two free ports p-2, p for Sundial");
    }

    public static int pickSundial() {
        return pickSundial(Set.of());
    }

    /** The ports a Sundial with this {@code listenPort} binds: its VIP channel and the port itself. */
    public static List<Integer> sundialPorts(int listenPort) {
        return List.of(listenPort - 2, listenPort);
    }

    /** A port p whose group (within p - 2 .. p - 2 + width - 1) is free and clear of {@code avoid}. */
    private static int pickGroup(Set<Integer> avoid, int width, Function<Integer, List<Integer>> group, String what) {
        for (int i = 0; i < ATTEMPTS; i++) {
            int listen = candidate(width) + 2;
            List<Integer> ports = group.apply(listen);
            if (ports.stream().noneMatch(avoid::contains) && ports.stream().allMatch(p -> isFree(p, false))) {
                return listen;
            }
        }
        throw new IllegalStateException("found no " + what + " in " + ATTEMPTS + " attempts");
    }

    /**
     * Whether a server could bind {@code port} on every interface now. With {@code reuseAddress} the check is as
     * lenient as the servers themselves (they set {@code SO_REUSEADDR}), so a port left in TIME_WAIT passes.
     */
    public static boolean isFree(int port, boolean reuseAddress) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(reuseAddress);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The lowest port the operating system hands to outgoing connections. */
    static int ephemeralLow() {
        return EPHEMERAL_LOW;
    }

    private static int readEphemeralLow() {
        // Read as a stream: some kernels report a size for /proc files that cuts a whole-file read short.
        try (BufferedReader in = Files.newBufferedReader(EPHEMERAL_RANGE)) {
            String[] range = in.readLine().trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }

    /**
     * A random candidate c such that c .. c + width - 1 lie below the ephemeral range; where that range starts too
     * low to leave room, the operating system's own pick.
     */
    private static int candidate(int width) {
        int high = EPHEMERAL_LOW - width;
        if (high - LOWEST >= 1_000) {
            return ThreadLocalRandom.current().nextInt(LOWEST, high);
        }
        return Math.min(osPort(), 65_536 - width);
    }

    private static int osPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not bind any port to find a free one", e);
        }
    }
}
