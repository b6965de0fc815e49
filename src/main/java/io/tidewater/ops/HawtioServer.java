package io.tidewater.ops;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.List;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.authenticator.BasicAuthenticator;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.realm.GenericPrincipal;
import org.apache.catalina.realm.RealmBase;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ValveBase;
import org.apache.catalina.webresources.FileResourceSet;
import org.apache.catalina.webresources.StandardRoot;
import org.apache.tomcat.util.descriptor.web.LoginConfig;
import org.apache.tomcat.util.descriptor.web.SecurityCollection;
import org.apache.tomcat.util.descriptor.web.SecurityConstraint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hawtio (io.hawt:hawtio-war) in an embedded Tomcat, connected to Tidewater's Jolokia through Hawtio's proxy.
 * The root page {@code /} stores that connection in the browser and opens Hawtio's Camel routes on it.
 * With credentials, every page needs HTTP basic authentication; the browser then sends the same credentials through
 * the proxy to Jolokia, which checks them too.
 */
public final class HawtioServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HawtioServer.class);
    static final String ROLE = "operator";

    private final Tomcat tomcat;
    private final int port;

    private HawtioServer(Tomcat tomcat, int port) {
        this.tomcat = tomcat;
        this.port = port;
    }

    /**
     * Starts Hawtio, listening on host (an address, or 0.0.0.0 for every interface).
     *
     * @param credentials the operator's login, or null to leave Hawtio open (embedded mode only)
     */
    public static HawtioServer start(String host, int port, Path war, Path baseDir, URI jolokia, ManagementSecurity.Credentials credentials)
            throws IOException, LifecycleException {
        if (!Files.isRegularFile(war)) {
            throw new IOException("Hawtio web application not found at " + war.toAbsolutePath()
                    + "; build with mvn package, which copies it there");
        }
        // Without a webapps folder in the base directory Tomcat's host start is slow (it scans for one).
        Files.createDirectories(baseDir.resolve("webapps"));
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.disableProxy", "false");
        System.setProperty("hawtio.proxyAllowlist", String.join(",", "localhost", "127.0.0.1", jolokia.getHost()));
        System.setProperty("hawtio.localAddressProbing", "false");

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toAbsolutePath().toString());
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", host);
        // Tomcat's default web.xml would add a JSP servlet, and Hawtio has no JSPs: static files and MIME types only.
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context hawtio = tomcat.addWebapp("/hawtio", war.toAbsolutePath().toString());
        hawtio.getPipeline().addValve(new NoLocalAgent());
        quietLogging(hawtio, baseDir);
        Wrapper files = Tomcat.addServlet(hawtio, "default", "org.apache.catalina.servlets.DefaultServlet");
        files.setLoadOnStartup(1);
        hawtio.addServletMappingDecoded("/", "default");
        Tomcat.addDefaultMimeTypeMappings(hawtio);
        hawtio.addWelcomeFile("index.html");
        Context root = tomcat.addContext("", baseDir.toAbsolutePath().toString());
        Tomcat.addServlet(root, "connect", new ConnectPage(jolokia));
        root.addServletMappingDecoded("/", "connect");
        if (credentials != null) {
            protect(hawtio, credentials);
            protect(root, credentials);
        }
        tomcat.start();
        LOG.info("Hawtio at http://localhost:{}/ (connected to {}){}", port, jolokia,
                credentials == null ? "" : ", login as " + credentials.username());
        return new HawtioServer(tomcat, port);
    }

    /**
     * Hawtio's web application logs through its own log4j (WEB-INF/lib) with a configuration that prints every start-up
     * step; ours, laid over it, keeps only its warnings and errors on the console.
     */
    private static void quietLogging(Context hawtio, Path baseDir) throws IOException {
        Path config = baseDir.toAbsolutePath().resolve("hawtio-log4j2.properties");
        try (var in = HawtioServer.class.getResourceAsStream("/hawtio-log4j2.properties")) {
            Files.write(config, in.readAllBytes());
        }
        StandardRoot resources = new StandardRoot(hawtio);
        resources.addPreResources(new FileResourceSet(resources, "/WEB-INF/classes/log4j2.properties", config.toString(), "/"));
        hawtio.setResources(resources);
    }

    public int port() {
        return port;
    }

    private static void protect(Context context, ManagementSecurity.Credentials credentials) {
        context.setRealm(new OperatorRealm(credentials));
        LoginConfig login = new LoginConfig();
        login.setAuthMethod("BASIC");
        login.setRealmName("tidewater");
        context.setLoginConfig(login);
        context.addSecurityRole(ROLE);
        SecurityConstraint constraint = new SecurityConstraint();
        constraint.addAuthRole(ROLE);
        SecurityCollection all = new SecurityCollection();
        all.addPatternDecoded("/*");
        constraint.addCollection(all);
        context.addConstraint(constraint);
        context.getPipeline().addValve(new BasicAuthenticator());
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            LOG.warn("Stopping Hawtio: {}", e.getMessage());
        }
    }

    /**
     * Hawtio's own Jolokia agent (the servlet its web.xml names jolokia-agent, at /hawtio/jolokia) would reach this JVM's MBeans past the management port's login and
     * access policy. Tidewater's Hawtio reaches Jolokia through its proxy only, so the agent answers 404, as if absent:
     * Hawtio's discovery then moves on, as it does for any path without an agent.
     */
    private static final class NoLocalAgent extends ValveBase {
        NoLocalAgent() {
            super(true);
        }

        @Override
        public void invoke(Request request, Response response) throws IOException, ServletException {
            Wrapper servlet = request.getWrapper();
            if (servlet != null && "jolokia-agent".equals(servlet.getName())) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            getNext().invoke(request, response);
        }
    }

    /** One user, the operator, with the password from the environment. */
    private static final class OperatorRealm extends RealmBase {
        private final ManagementSecurity.Credentials credentials;

        OperatorRealm(ManagementSecurity.Credentials credentials) {
            this.credentials = credentials;
        }

        @Override
        protected String getPassword(String username) {
            return credentials.username().equals(username) ? credentials.password() : null;
        }

        @Override
        protected Principal getPrincipal(String username) {
            return credentials.username().equals(username) ? new GenericPrincipal(username, List.of(ROLE)) : null;
        }
    }

    /** Saves the Tidewater connection where Hawtio's Connect plugin keeps connections, then opens the Camel routes. */
    private static final class ConnectPage extends HttpServlet {
        private final String script;

        ConnectPage(URI jolokia) {
            int port = jolokia.getPort() > 0 ? jolokia.getPort() : ("https".equals(jolokia.getScheme()) ? 443 : 80);
            String connection = String.format("{\"id\":\"tidewater\",\"name\":\"tidewater\",\"scheme\":\"%s\",\"host\":\"%s\","
                    + "\"port\":%d,\"path\":\"%s\"}", jolokia.getScheme(), jolokia.getHost(), port, jolokia.getPath());
            this.script = "const c = JSON.parse(localStorage.getItem('connect.connections') || '{}');\n"
                    + "c.tidewater = " + connection + ";\n"
                    + "localStorage.setItem('connect.connections', JSON.stringify(c));\n"
                    + "location.replace('/hawtio/camel/routes?con=tidewater');\n";
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!"/".equals(req.getServletPath()) || req.getPathInfo() != null && !req.getPathInfo().equals("/")) {
                resp.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            resp.setContentType("text/html");
            resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
            resp.getWriter().write("<!DOCTYPE html><html><head><title>Tidewater</title></head><body>"
                    + "<p>Opening Hawtio on Tidewater&hellip;</p><script>\n" + script + "</script></body></html>");
        }
    }
}
