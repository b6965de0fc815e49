package io.tidewater.ops;

import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hawtio started on a thread of its own once Tidewater has started. Tomcat's start takes seconds, and Camel begins to
 * stop only once its start-up listeners have returned: a SIGTERM in the meantime must not wait for Hawtio.
 */
public final class HawtioLauncher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HawtioLauncher.class);

    private final Callable<HawtioServer> start;
    private HawtioServer server;
    private boolean closed;

    public HawtioLauncher(Callable<HawtioServer> start) {
        this.start = start;
    }

    public void launch() {
        Thread t = new Thread(this::run, "hawtio-start");
        t.setDaemon(true);
        t.start();
    }

    private void run() {
        HawtioServer started;
        try {
            started = start.call();
        } catch (Exception e) {
            LOG.error("Hawtio could not start: {}", e.toString());
            return;
        }
        synchronized (this) {
            if (!closed) {
                server = started;
                return;
            }
        }
        // Tidewater stopped while Hawtio was starting.
        started.close();
    }

    /** Stops Hawtio, or has it stop as soon as it has started. */
    @Override
    public void close() {
        HawtioServer running;
        synchronized (this) {
            closed = true;
            running = server;
        }
        if (running != null) {
            running.close();
        }
    }
}
