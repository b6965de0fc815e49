package io.tidewater.testing;

/** Flow files as a user writes them into routes/: the declaration bean and the two templatedRoutes that run it. */
public final class FlowFiles {

    private FlowFiles() {
    }

    /** The file of flow {@code name} reading {@code topic}, its properties (YAML, one per line) on line 5 onwards. */
    public static String flow(String name, String topic, String properties) {
        return "- beans:\n    - name: " + name + "\n      type: io.tidewater.flow.FlowDeclaration\n      properties:\n"
                + properties.indent(8)
                + "- templatedRoute:\n    routeTemplateRef: flow-source\n    routeId: " + name + "\n    parameters:\n"
                + "      - name: flow\n        value: " + name + "\n      - name: topic\n        value: \"" + topic + "\"\n"
                + "- templatedRoute:\n    routeTemplateRef: flow-apply\n    routeId: apply-" + name + "\n    parameters:\n"
                + "      - name: flow\n        value: " + name + "\n";
    }
}
