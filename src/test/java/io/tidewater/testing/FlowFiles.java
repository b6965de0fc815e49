package io.tidewater.testing;

/** Flow files as a user writes them into routes/: the declaration bean, its source among its properties. */
public final class FlowFiles {

    private FlowFiles() {
    }

    /**
     * The file of flow {@code name} reading {@code topic}: the declaration bean alone, its properties (YAML, one per line)
     * on line 5 onwards and its source last.
     */
    public static String flow(String name, String topic, String properties) {
        return "- beans:\n    - name: " + name + "\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n"
                + properties.indent(8) + "        source: {topic: \"" + topic + "\"}\n";
    }

    /**
     * The file of flow {@code name} as an earlier release had it written: the bean (properties on line 5 onwards) and
     * two templatedRoutes that run it, the apply route named apply-{@code name}.
     */
    public static String withTemplatedRoutes(String name, String topic, String properties) {
        return "- beans:\n    - name: " + name + "\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n"
                + properties.indent(8)
                + "- templatedRoute:\n    routeTemplateRef: flow-source\n    routeId: " + name + "\n    parameters:\n"
                + "      - name: flow\n        value: " + name + "\n      - name: topic\n        value: \"" + topic + "\"\n"
                + "- templatedRoute:\n    routeTemplateRef: flow-apply\n    routeId: apply-" + name + "\n    parameters:\n"
                + "      - name: flow\n        value: " + name + "\n";
    }

    /** A new directory under target/ with a copy of the shipped routes/ files, for a test to add flow files of its own. */
    public static java.nio.file.Path shippedRoutes(String prefix) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), prefix);
            try (java.util.stream.Stream<java.nio.file.Path> shipped = java.nio.file.Files.list(java.nio.file.Path.of("routes"))) {
                for (java.nio.file.Path f : shipped.toList()) {
                    java.nio.file.Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
