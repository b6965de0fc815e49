package io.tidewater;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void anInvalidRouteIsRejected() throws Exception {
        JsonNode bad = YAML.readTree("- route:\n    id: broken\n    from:\n      uri: timer:x\n      stepz: []\n");
        assertFalse(schema().validate(bad).isEmpty());
    }
}
