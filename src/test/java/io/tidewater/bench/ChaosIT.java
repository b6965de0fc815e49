package io.tidewater.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 13: a 2-minute smoke of the chaos run (bench/chaos.sh), so the harness does not rot and the faults it
 * throws are survived in every build: the application killed, the warehouse cut off and the broker restarted, each at
 * least once, while all four topics are produced with 1% records the warehouse refuses.
 */
class ChaosIT {

    @Test
    void twoMinutesOfFaultsLoseAndDuplicateNothing() throws Exception {
        ChaosRun.Result r = ChaosRun.run(Duration.ofMinutes(2), Path.of("target", "chaos-smoke"), 500);
        assertEquals("OK", r.oracle(), r.summary());
        assertEquals(0, r.lost(), r.summary());
        assertEquals(0, r.duplicated(), r.summary());
        assertEquals(r.refused(), r.deadLetters(), "every refused record dead-lettered: " + r.summary());
        assertEquals(3, r.faults().size(), "every kind of fault: " + r.summary());
    }
}
