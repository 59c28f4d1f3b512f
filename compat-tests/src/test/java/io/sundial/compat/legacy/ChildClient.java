package io.sundial.compat.legacy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a main class of the test classes in a child JVM whose classpath holds an older stock client instead of
 * 5.5.0 (one classpath cannot hold two versions of the client), and returns what it printed.
 */
public final class ChildClient {
    /** rocketmq-client 4.9.8: names its broker in every send. */
    public static final String CLIENT_498 = "sundial.rocketmq.client4.lib";
    /** rocketmq-client 4.9.4: names none. */
    public static final String CLIENT_494 = "sundial.rocketmq.client494.lib";

    private ChildClient() {
    }

    /**
     * @param clientLib the system property naming the client's jar directory ({@link #CLIENT_498},
     *                  {@link #CLIENT_494}), which the build sets
     * @param home the child's {@code user.home}, where the client writes its logs
     */
    public static List<String> run(String clientLib, Class<?> main, Path home, String... args) throws Exception {
        String libDir = System.getProperty(clientLib);
        assertTrue(libDir != null, clientLib + " is not set: run the tests through Maven");
        Path lib = Path.of(libDir);
        assertTrue(Files.isDirectory(lib), "the client's jars are not at " + lib.toAbsolutePath()
                + ": build the module that copies them (mvn -B -ntp install -DskipTests)");
        List<String> cp = new ArrayList<>();
        cp.add(Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted().forEach(cp::add);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-Duser.home=" + home, "-cp", String.join(File.pathSeparator, cp),
                main.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(main.getSimpleName() + " did not finish in 60 s");
        }
        return List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
}
