package io.tidewater.ops;

import io.tidewater.config.Keys;
import io.tidewater.config.TidewaterConfig;

/**
 * The address the management server and Hawtio listen on (tidewater.ops.host). Embedded mode serves them without a
 * login, so by default it listens on loopback only; outside embedded mode they require a login and listen on every
 * interface, as a container must.
 */
public final class OpsHost {

    private OpsHost() {
    }

    public static String bind(TidewaterConfig config, boolean embedded) {
        String host = config.get(Keys.OPS_HOST);
        return host != null ? host : embedded ? "127.0.0.1" : "0.0.0.0";
    }

    /** The Jolokia endpoint of the Tidewater configured here, as reached from this machine. */
    public static String localJolokiaUrl(TidewaterConfig config, boolean embedded) {
        return "http://" + local(bind(config, embedded)) + ":" + config.get(Keys.MANAGEMENT_PORT) + "/observe/jolokia";
    }

    /** The host to reach a server bound on the given address from this machine. */
    public static String local(String bindHost) {
        return bindHost.equals("0.0.0.0") || bindHost.equals("::") || bindHost.equals("[::]") ? "127.0.0.1" : bindHost;
    }
}
