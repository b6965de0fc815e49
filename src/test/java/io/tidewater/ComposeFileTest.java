package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(0, compose("config", "-q").status(), compose("config", "-q").output());
    }

    /** Issue 11, point 7: one capture service, and a load service without host ports, so --scale load=3 cannot clash. */
    @Test
    void loadScalesOutWithoutHostPortsBesideOneCaptureInstance() throws Exception {
        Result services = compose("config", "--services");
        assertEquals(0, services.status(), services.output());
        assertTrue(services.output().lines().toList().containsAll(java.util.List.of("capture", "load")), services.output());
        String config = compose("config").output();
        String load = config.substring(config.indexOf("\n  load:\n"));
        load = load.substring(0, nextService(load));
        assertFalse(load.contains("ports:"), "a host port would clash when scaled:\n" + load);
        assertTrue(load.matches("(?s).*TIDEWATER_CAPTURE_ENABLED: ['\"]false['\"].*"), load);
        String capture = config.substring(config.indexOf("\n  capture:\n"));
        capture = capture.substring(0, nextService(capture));
        assertTrue(capture.contains("TIDEWATER_LOAD_ENABLED"), capture);
    }

    private static int nextService(String fromService) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\n  [a-z]").matcher(fromService);
        return m.find(3) ? m.start() : fromService.length();
    }

    private record Result(int status, String output) {
    }

    private static Result compose(String... args) throws Exception {
        Path tool = Path.of("/usr/bin/docker-compose");
        assertTrue(Files.isExecutable(tool), "docker-compose is not installed: apt-get install -y docker-compose (see README, Quick start)");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(tool.toString(), "-f", "docker-compose.yml"));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // As a user runs it: the secrets are not needed to validate the file.
        pb.environment().remove("TIDEWATER_EDW_PASSWORD");
        pb.environment().remove("TIDEWATER_OLTP_PASSWORD");
        pb.environment().remove("TIDEWATER_OPS_PASSWORD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return new Result(p.exitValue(), out);
    }
}
