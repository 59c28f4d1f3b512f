package io.sundial.compat.ops;

import io.sundial.compat.SundialCluster;
import io.sundial.compat.SundialScript;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/sundial lateness}, the README's end-to-end check, as an operator runs it: timed sends through Sundial,
 * received from the cluster, each counted once, none lost or early, and the lateness percentiles printed.
 */
@Tag("slow")
@ExtendWith(SundialCluster.class)
class LatenessCommandTest {
    private static final int MESSAGES = 300;

    @TempDir
    Path dir;

    @Test
    void shouldReportEveryTimedMessageReceivedOnceAndNoneEarly(SundialCluster.Running env) throws Exception {
        SundialScript.Output o = SundialScript.run(SundialScript.builder("-Xmx256m", dir.resolve("logs"),
                "lateness", "-n", Integer.toString(MESSAGES), "--min-delay-ms", "1000", "--max-delay-ms", "2000",
                "--send-ns", env.sundialAddr(), "--consume-ns", env.namesrvAddr()), Duration.ofSeconds(120));
        assertEquals(0, o.exit(), o.stdout() + o.stderr());
        Matcher counts = Pattern.compile("received (\\d+); lost (\\d+); duplicated (\\d+); early (\\d+)")
                .matcher(o.stdout());
        assertTrue(counts.find(), o.stdout());
        assertEquals(MESSAGES, Integer.parseInt(counts.group(1)), o.stdout());
        assertEquals("0", counts.group(2), "lost");
        assertEquals("0", counts.group(3), "duplicated");
        assertEquals("0", counts.group(4), "early");
        Matcher lateness = Pattern.compile("lateness ms: min (-?\\d+), p50 \\d+, p90 \\d+, p99 \\d+, p99\\.9 \\d+, max "
                + "(\\d+)").matcher(o.stdout());
        assertTrue(lateness.find(), o.stdout());
        assertTrue(Long.parseLong(lateness.group(1)) >= 0, "a message arrived early: " + o.stdout());
    }
}
