package io.sundial.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchOptionsTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int compare(String... args) {
        CommandLine cli = new CommandLine(new BenchMain());
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--dir=" + dir.resolve("scratch");
        all[1] = "--out=" + dir.resolve("out");
        System.arraycopy(args, 0, all, 2, args.length);
        return cli.execute(all);
    }

    @Test
    void shouldRefuseAnUnknownPhaseBeforeRunningTheOnesBeforeIt() {
        assertEquals(2, compare("--phases=default,fast"));
        assertTrue(err.toString().contains("unknown phase fast (default, tuned, two-groups)"), err.toString());
        assertFalse(Files.exists(dir.resolve("out")), "nothing was started, so no results directory");
    }

    @Test
    void shouldRefuseCountsThatMeasureNothing() {
        assertEquals(2, compare("--runs=0"));
        assertTrue(err.toString().contains(
                "--runs, --steady-runs, --recall-runs and --pending-restarts must be at least 1"), err.toString());
        assertEquals(2, compare("--herd=0"));
        assertEquals(2, compare("--steady-seconds=0"));
        assertEquals(2, compare("--body=0"));
        assertEquals(2, compare("--scenarios=herd,burst"));
        assertTrue(err.toString().contains("unknown scenario burst"), err.toString());
        assertEquals(2, compare("--targets=redis"));
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void shouldDescribeEveryOption() {
        for (OptionSpec option : new CommandLine(new BenchMain()).getCommandSpec().options()) {
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(),
                    option.longestName() + " has no description in --help");
        }
    }
}
