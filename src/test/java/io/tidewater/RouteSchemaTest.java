package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;

/** Every routes/*.camel.yaml validates against the Camel YAML DSL schema shipped in camel-yaml-dsl, as editors check it. */
class RouteSchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Schema schema() throws Exception {
        try (InputStream in = RouteSchemaTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in, InputFormat.JSON);
        }
    }

    @Test
    void everyRouteFileIsValid() throws Exception {
        Schema schema = schema();
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("routes"))) {
            files = s.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path f : files) {
            List<Error> errors = schema.validate(YAML.readTree(f.toFile()));
            assertTrue(errors.isEmpty(), f + " is not valid Camel YAML DSL: " + errors);
        }
    }

    /**
     * No simple expression calls a method of an exchange property, a header or the body ({@code ${exchangeProperty.x.y}}):
     * Camel's bean language caches what it learns of each object it calls, keyed by the object, so a batch asked about
     * that way stayed reachable with all its records, and a backlog filled the heap. The routes ask a bean instead.
     */
    @Test
    void noSimpleExpressionCallsIntoAnExchangesObjects() throws Exception {
        Pattern ognl = Pattern.compile("\\$\\{((exchangeProperty|header|variable)\\.[A-Za-z0-9_]+|body)\\.[A-Za-z]");
        try (Stream<Path> s = Files.list(Path.of("routes"))) {
            for (Path f : s.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).replaceAll("\\[[^\\]]*\\]", "[]");
                    assertFalse(ognl.matcher(line).find(), f + ":" + (i + 1) + " calls into an exchange's object: " + lines.get(i).strip());
                }
            }
        }
        assertTrue(ognl.matcher("expression: \"${exchangeProperty.tidewaterBatch.writeThrough}\"").find());
        assertTrue(ognl.matcher("${body.size}").find());
        assertFalse(ognl.matcher("uri: caffeine-cache:${header.tidewaterCache}").find());
    }

    @Test
    void anInvalidRouteIsRejected() throws Exception {
        JsonNode bad = YAML.readTree("- route:\n    id: broken\n    from:\n      uri: timer:x\n      stepz: []\n");
        assertFalse(schema().validate(bad).isEmpty());
    }
}
