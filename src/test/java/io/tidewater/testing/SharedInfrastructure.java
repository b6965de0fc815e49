package io.tidewater.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import io.tidewater.embedded.EmbeddedDatabase;
import io.tidewater.embedded.EmbeddedKafka;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one real in-JVM KRaft broker and one embedded PostgreSQL 17 per test JVM, on random ports.
 * They start on first use and stop when the test run ends.
 */
public final class SharedInfrastructure implements BeforeAllCallback {

    public static final String WAREHOUSE_DB = "warehouse";
    private static Stack stack;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedInfrastructure.class.getName(), k -> start(), Stack.class);
    }

    /** The running stack, starting it if no test has yet. */
    public static synchronized Stack get() {
        if (stack == null) {
            stack = start();
        }
        return stack;
    }

    private static synchronized Stack start() {
        if (stack != null) {
            return stack;
        }
        try {
            Path dir = Files.createTempDirectory("tidewater-test-");
            EmbeddedDatabase db = new EmbeddedDatabase(dir.resolve("postgres"), 0).start();
            for (String name : new String[] {WAREHOUSE_DB, "crm", "sales"}) {
                db.ensureDatabase(name);
            }
            EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0, 0, 3).start();
            stack = new Stack(kafka, db, dir);
            // Closed by JUnit Jupiter's root context; tests of another engine (jqwik) may start it again after that, and
            // then the JVM's exit closes it.
            Stack started = stack;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closed(started)));
            return stack;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the test infrastructure", e);
        }
    }

    /** Stops a stack (once) and forgets it, so that the next use starts another. */
    private static synchronized void closed(Stack s) {
        if (stack != s) {
            return;
        }
        stack = null;
        try {
            s.kafka().close();
            s.postgres().close();
            TempDirs.delete(s.dir());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot stop the test infrastructure", e);
        }
    }

    /** The broker and the database; closed by JUnit when the root context closes. */
    public record Stack(EmbeddedKafka kafka, EmbeddedDatabase postgres, Path dir)
            implements ExtensionContext.Store.CloseableResource {

        public String bootstrapServers() {
            return kafka.bootstrapServers();
        }

        public int postgresPort() {
            return postgres.port();
        }

        public String jdbcUrl(String database) {
            return postgres.jdbcUrl(database);
        }

        @Override
        public void close() {
            closed(this);
        }
    }
}
