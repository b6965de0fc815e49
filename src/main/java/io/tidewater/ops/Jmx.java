package io.tidewater.ops;

import java.lang.management.ManagementFactory;

import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Registers Tidewater's own MBeans (domain {@code tidewater}) in the platform MBean server, replacing a previous one. */
public final class Jmx {

    private Jmx() {
    }

    public static void register(String name, Object mbean) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName on = new ObjectName(name);
            if (server.isRegistered(on)) {
                server.unregisterMBean(on);
            }
            server.registerMBean(mbean, on);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot register " + name, e);
        }
    }
}
