package io.tidewater.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.ext.web.handler.BasicAuthHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;

/**
 * Camel's management server with the operator's HTTP basic login on Jolokia, checked in memory. Camel's own
 * basic authentication reads a properties file, which a kill -9 would leave on disk with the password in it. Camel
 * main looks this factory up in the registry before it creates the server, so the login is there before it listens.
 */
public final class OperatorLogin extends DefaultMainHttpServerFactory {

    static final String PATH = "/observe/jolokia/*";
    static final String REALM = "tidewater";

    private final ManagementSecurity.Credentials credentials;

    public OperatorLogin(ManagementSecurity.Credentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Service newHttpManagementServer(CamelContext camelContext, HttpManagementServerConfigurationProperties configuration) {
        ManagementHttpServer server = (ManagementHttpServer) super.newHttpManagementServer(camelContext, configuration);
        AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
        entry.setPath(PATH);
        entry.setAuthenticationProviderFactory(vertx -> new OperatorAuthentication(credentials));
        entry.setAuthenticationHandlerFactory(new BasicHandlerFactory());
        AuthenticationConfig auth = server.getConfiguration().getAuthenticationConfig();
        auth.getEntries().add(entry);
        auth.setEnabled(true);
        return server;
    }

    /** HTTP basic authentication in the tidewater realm. */
    private static final class BasicHandlerFactory implements AuthenticationConfig.AuthenticationHandlerFactory {
        @Override
        public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T provider) {
            return BasicAuthHandler.create(provider, REALM);
        }
    }

    /** One user, the operator; the password compared in constant time. */
    private static final class OperatorAuthentication implements AuthenticationProvider {
        private final String username;
        private final byte[] password;

        OperatorAuthentication(ManagementSecurity.Credentials credentials) {
            this.username = credentials.username();
            this.password = credentials.password().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void authenticate(JsonObject given, Handler<AsyncResult<User>> result) {
            String user = given.getString("username");
            String pass = given.getString("password");
            boolean ok = username.equals(user) && pass != null
                    && MessageDigest.isEqual(password, pass.getBytes(StandardCharsets.UTF_8));
            result.handle(ok ? Future.succeededFuture(User.fromName(user)) : Future.failedFuture("invalid credentials"));
        }
    }
}
