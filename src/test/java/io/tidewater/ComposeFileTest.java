package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml is a valid Compose file, checked with docker-compose itself (no engine needed). docker-compose is a
 * test prerequisite (README), installed by .ci/run: without it this test fails rather than skips.
 */
class ComposeFileTest {

    @Test
    void composeFileValidates() throws Exception {
        Path tool = Path.of("/usr/bin/docker-compose");
        assertTrue(Files.isExecutable(tool), "docker-compose is not installed: apt-get install -y docker-compose (see README, Quick start)");
        ProcessBuilder pb = new ProcessBuilder(tool.toString(), "-f", "docker-compose.yml", "config", "-q").redirectErrorStream(true);
        // As a user runs it: the secrets are not needed to validate the file.
        pb.environment().remove("TIDEWATER_EDW_PASSWORD");
        pb.environment().remove("TIDEWATER_OLTP_PASSWORD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
    }
}
