package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** docker-compose.yml is a valid Compose file, checked with docker-compose itself where it is installed (no engine needed). */
class ComposeFileTest {

    @Test
    void composeFileValidates() throws Exception {
        Path tool = Path.of("/usr/bin/docker-compose");
        assumeTrue(Files.isExecutable(tool), "docker-compose is not installed");
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
