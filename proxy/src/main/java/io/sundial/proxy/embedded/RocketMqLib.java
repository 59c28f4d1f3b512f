package io.sundial.proxy.embedded;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The directory of RocketMQ name server and broker jars that the child JVMs run, and their classpath.
 *
 * <p>The jars stay off Sundial's own classpath: they carry their own {@code org.rocksdb} classes, which would
 * clash with {@code rocksdbjni}. The {@code rocketmq-dist} module copies them into {@code rocketmq-dist/target/lib}
 * together with {@code classpath.txt}, their names in Maven's resolution order; this class keeps that order
 * (falling back to the jars sorted by name) so that a duplicated class resolves the same way on every run.
 * Immutable and thread-safe.
 */
public final class RocketMqLib {
    /** System property naming the directory; set by the build for tests and by the bin scripts. */
    public static final String LIB_PROPERTY = "sundial.rocketmq.lib";
    /** The directory relative to the project root, searched for upwards from the working directory. */
    static final String PROJECT_RELATIVE_LIB = "rocketmq-dist/target/lib";
    static final String CLASSPATH_FILE = "classpath.txt";

    private static final Pattern ENTRY_SEPARATOR = Pattern.compile("[:;\\r\\n]+");
    private static final String HOW_TO_BUILD =
        "build it with `mvn -pl rocketmq-dist generate-resources` or point -D" + LIB_PROPERTY + " at it";

    private final Path dir;
    private final List<Path> jars;

    private RocketMqLib(Path dir, List<Path> jars) {
        this.dir = dir;
        this.jars = List.copyOf(jars);
    }

    /**
     * The directory named by {@value #LIB_PROPERTY}, or else the first {@value #PROJECT_RELATIVE_LIB} found in
     * the working directory or one of its parents.
     *
     * @throws EmbeddedClusterException if neither names a directory with the name server and broker jars
     */
    public static RocketMqLib locate() {
        String property = System.getProperty(LIB_PROPERTY);
        if (property != null && !property.isBlank()) {
            return at(Paths.get(property));
        }
        Path start = Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(PROJECT_RELATIVE_LIB);
            if (Files.isDirectory(candidate)) {
                return at(candidate);
            }
        }
        throw new EmbeddedClusterException("no RocketMQ jars: -D" + LIB_PROPERTY + " is not set and no "
            + PROJECT_RELATIVE_LIB + " was found in " + start + " or above; " + HOW_TO_BUILD);
    }

    /**
     * The jars in {@code dir}.
     *
     * @throws EmbeddedClusterException if it is not a directory, misses the name server or broker jar, or its
     *     classpath file names a jar that is not there
     */
    public static RocketMqLib at(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new EmbeddedClusterException("RocketMQ lib directory " + abs + " does not exist; " + HOW_TO_BUILD);
        }
        try {
            List<Path> jars = Files.isRegularFile(abs.resolve(CLASSPATH_FILE))
                ? fromClasspathFile(abs)
                : sortedJars(abs);
            requireJar(abs, jars, "rocketmq-namesrv-");
            requireJar(abs, jars, "rocketmq-broker-");
            return new RocketMqLib(abs, jars);
        } catch (IOException e) {
            throw new EmbeddedClusterException("could not read RocketMQ lib directory " + abs, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The jars in classpath order. */
    public List<Path> jars() {
        return jars;
    }

    /** The jars joined with the platform's path separator, for {@code java -cp}. */
    public String classpath() {
        return jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private static List<Path> fromClasspathFile(Path dir) throws IOException {
        String text = Files.readString(dir.resolve(CLASSPATH_FILE), StandardCharsets.UTF_8);
        List<Path> jars = new ArrayList<>();
        for (String entry : ENTRY_SEPARATOR.split(text.trim())) {
            if (entry.isBlank()) {
                continue;
            }
            Path jar = dir.resolve(Paths.get(entry.trim()).getFileName());
            if (!Files.isRegularFile(jar)) {
                throw new EmbeddedClusterException(dir.resolve(CLASSPATH_FILE) + " names " + entry.trim()
                    + ", which is not in " + dir + "; " + HOW_TO_BUILD);
            }
            jars.add(jar);
        }
        return jars;
    }

    private static List<Path> sortedJars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
    }

    private static void requireJar(Path dir, List<Path> jars, String prefix) {
        boolean found = jars.stream().anyMatch(j -> j.getFileName().toString().startsWith(prefix));
        if (!found) {
            throw new EmbeddedClusterException("RocketMQ lib directory " + dir + " has no " + prefix + "*.jar; "
                + HOW_TO_BUILD);
        }
    }

    @Override
    public String toString() {
        return "RocketMqLib{" + dir + ", " + jars.size() + " jars}";
    }
}
