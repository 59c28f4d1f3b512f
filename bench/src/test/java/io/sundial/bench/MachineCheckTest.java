package io.sundial.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineCheckTest {
    @Test
    void shouldMeasureAPositiveRateAndASpeedUpNoLargerThanTheThreadsGiveIt() throws Exception {
        MachineCheck.Result one = MachineCheck.measure(1, Duration.ofMillis(200));
        assertTrue(one.singleMops() > 1, one.line());
        // the same work on one thread measured twice: the "speed-up" is 1, give or take the machine's noise
        assertTrue(one.parallelSpeedup() > 0.5 && one.parallelSpeedup() < 1.5, one.line());
        int cores = Runtime.getRuntime().availableProcessors();
        MachineCheck.Result all = MachineCheck.measure(cores, Duration.ofMillis(200));
        assertTrue(all.parallelSpeedup() > 0.5 && all.parallelSpeedup() < cores + 0.5, all.line());
        assertTrue(all.line().contains(cores + " cores"), all.line());
        // a cache-missing read takes tens to hundreds of ns; under 1 ns the walk was optimized away or cached
        assertTrue(all.memoryNs() > 1 && all.memoryNs() < 10_000, all.line());
    }
}
