package io.tidewater;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.tidewater.embedded.FreePorts;
import io.tidewater.testing.AppProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, point 6: CAMEL_MANAGEMENT_PORT in the environment moves the management server, and in embedded mode the
 * management server and Hawtio, which have no login there, listen on loopback only (read from the kernel's socket
 * table, /proc/net/tcp and tcp6).
 */
class OpsBindingIT {

    @TempDir
    Path dir;

    @Test
    void environmentMovesTheManagementPortAndEmbeddedModeListensOnLoopbackOnly() throws Exception {
        int fromEnvironment = FreePorts.next();
        try (AppProcess app = new AppProcess(dir.resolve("app"))) {
            app.setProperty("tidewater.demo.enabled", "false").env("CAMEL_MANAGEMENT_PORT", String.valueOf(fromEnvironment)).start();
            await().atMost(Duration.ofSeconds(90)).until(() ->
                    AppProcess.http("GET", "http://127.0.0.1:" + fromEnvironment + "/observe/health", null, null).body().contains("\"UP\""));
            await().atMost(Duration.ofSeconds(30)).until(() -> !listeners(app.hawtioPort).isEmpty());

            assertEquals(Set.of(), listeners(app.managementPort), "nothing on the file's port once the environment moved it");
            assertEquals(Set.of("127.0.0.1"), listeners(fromEnvironment), "management server");
            assertEquals(Set.of("127.0.0.1"), listeners(app.hawtioPort), "Hawtio");
        }
    }

    /** The addresses with a listening TCP socket on the port. */
    private static Set<String> listeners(int port) throws Exception {
        Set<String> out = new HashSet<>();
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (local[1].equals(hexPort) && f[3].equals("0A")) {
                    out.add(address(local[0]));
                }
            }
        }
        return out;
    }

    /**
     * An address as /proc/net writes it (little-endian hex): IPv4, IPv4-mapped IPv6 (as its IPv4 address) and ::1;
     * any other IPv6 address is reported as is.
     */
    private static String address(String hex) {
        if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
            return address(hex.substring(24));
        }
        if (hex.length() == 8) {
            return Integer.parseInt(hex.substring(6, 8), 16) + "." + Integer.parseInt(hex.substring(4, 6), 16) + "."
                    + Integer.parseInt(hex.substring(2, 4), 16) + "." + Integer.parseInt(hex.substring(0, 2), 16);
        }
        return hex.equals("00000000000000000000000001000000") ? "::1" : hex;
    }
}
