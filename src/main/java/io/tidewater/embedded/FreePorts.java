package io.tidewater.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import io.tidewater.config.ConfigException;

/** Port helpers for the embedded services: random free ports for tests, and a clear error when a configured port is taken. */
public final class FreePorts {

    private FreePorts() {
    }

    /** Ports handed out already: the system may offer a port again once its probe socket is closed. */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A free loopback port, never the same twice in this JVM (several are taken before any is bound). */
    public static int next() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                if (GIVEN.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static void requireFree(int port, String key) {
        requireFree(InetAddress.getLoopbackAddress().getHostAddress(), port, key);
    }

    /** Fails naming the key unless the port can be bound on the host (an address, or 0.0.0.0 for all interfaces). */
    public static void requireFree(String host, int port, String key) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new ConfigException(key, "port " + port + " on " + host + " is already in use (" + e.getMessage() + ")",
                    "stop whatever listens on it, or set " + key + " to a free port");
        }
    }
}
