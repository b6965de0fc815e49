package io.tidewater.flow;

import static io.tidewater.flow.DeclarationContext.get;
import static io.tidewater.flow.DeclarationContext.line;
import static io.tidewater.flow.DeclarationContext.scalar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the flow declarations of a routes/*.camel.yaml file: a bean of type {@value #TYPE} whose properties declare the
 * flow, its source (topic, consumers) included; {@link FlowRoutes} makes its routes from the templates. A file of an
 * earlier release, whose flow's source is given instead by templatedRoutes of {@value #SOURCE_TEMPLATE} (topic,
 * consumers) and {@value #APPLY_TEMPLATE}, is read too, and Camel makes those routes. Every mistake is reported with
 * the file and line.
 */
public final class FlowReader {

    public static final String TYPE = "io.tidewater.flow.FlowDeclaration";
    public static final String SOURCE_TEMPLATE = "flow-source";
    public static final String APPLY_TEMPLATE = "flow-apply";

    private final UnaryOperator<String> placeholders;

    /** placeholders: resolves {{key}} in parameter values (topic, consumers). */
    public FlowReader(UnaryOperator<String> placeholders) {
        this.placeholders = placeholders;
    }

    /** A flow's bean in the file: its name, its line and its properties. */
    private record Bean(String name, int line, MappingNode properties) {
    }

    /** A templatedRoute of the file (an earlier release's way to run a flow): its template, id, parameters, topic line. */
    private record Templated(String template, String routeId, Map<String, String> parameters, int topicLine) {
    }

    /** The flows declared in a file (none for a file that declares none). */
    public List<FlowSpec> read(Path file) {
        Optional<Node> root = compose(file);
        if (root.isEmpty() || !(root.get() instanceof SequenceNode entries)) {
            return List.of();
        }
        List<Bean> beans = new ArrayList<>();
        Map<String, Templated> sources = new LinkedHashMap<>();
        Map<String, Templated> applies = new LinkedHashMap<>();
        for (Node entry : entries.getValue()) {
            if (entry instanceof MappingNode m) {
                beans.addAll(beans(file, m));
                Templated t = templated(m);
                if (t != null && SOURCE_TEMPLATE.equals(t.template())) {
                    sources.put(t.parameters().get("flow"), t);
                } else if (t != null && APPLY_TEMPLATE.equals(t.template())) {
                    applies.put(t.parameters().get("flow"), t);
                }
            }
        }
        List<FlowSpec> flows = new ArrayList<>();
        DeclarationReader declarations = new DeclarationReader(file, placeholders);
        for (Bean b : beans) {
            flows.add(declarations.flow(b.name(), b.line(), b.properties(), source(file, b, sources.get(b.name()), applies.get(b.name()))));
        }
        return flows;
    }

    private static Optional<Node> compose(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return new Compose(LoadSettings.builder().setLabel(file.toString()).build()).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(1);
            throw new FlowException(file, line, "not valid YAML: " + e.getProblem());
        }
    }

    /** The flow beans (of type {@value #TYPE}) of a beans entry. */
    private static List<Bean> beans(Path file, MappingNode entry) {
        List<Bean> out = new ArrayList<>();
        if (!(get(entry, "beans") instanceof SequenceNode list)) {
            return out;
        }
        for (Node b : list.getValue()) {
            if (b instanceof MappingNode bean && TYPE.equals(scalar(get(bean, "type")))) {
                String name = scalar(get(bean, "name"));
                if (name == null || !name.matches("[a-z][a-z0-9_-]*")) {
                    throw new FlowException(file, line(bean), "a flow needs a name of lower-case letters, digits, '-' or '_', was '" + name + "'");
                }
                if (!(get(bean, "properties") instanceof MappingNode p)) {
                    throw new FlowException(file, line(bean), "flow '" + name + "' has no properties to declare it");
                }
                out.add(new Bean(name, line(bean), p));
            }
        }
        return out;
    }

    /** A templatedRoute entry, or null for any other entry. */
    private static Templated templated(MappingNode entry) {
        if (!(get(entry, "templatedRoute") instanceof MappingNode t)) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        int topicLine = line(t);
        if (get(t, "parameters") instanceof SequenceNode ps) {
            for (Node pn : ps.getValue()) {
                if (pn instanceof MappingNode pm && scalar(get(pm, "name")) != null && scalar(get(pm, "value")) != null) {
                    params.put(scalar(get(pm, "name")), scalar(get(pm, "value")));
                    if (scalar(get(pm, "name")).equals("topic")) {
                        topicLine = line(get(pm, "value"));
                    }
                }
            }
        }
        return new Templated(scalar(get(t, "routeTemplateRef")), scalar(get(t, "routeId")), params, topicLine);
    }

    /** Where a flow's records come from: its bean's source, or (an earlier release's file) its two templatedRoutes. */
    private static DeclarationReader.Source source(Path file, Bean b, Templated source, Templated apply) {
        String name = b.name();
        Node declared = get(b.properties(), "source");
        boolean routesInFile = source != null || apply != null;
        if (declared != null && routesInFile) {
            throw new FlowException(file, line(declared), "flow '" + name + "' declares its source twice: in 'source' and in a "
                    + "templatedRoute of this file; keep 'source' and delete the flow's templatedRoutes");
        }
        if (declared != null) {
            DeclarationContext c = new DeclarationContext(file, "flow '" + name + "': source");
            MappingNode s = c.asMap(declared);
            c.onlyKeys(s, DeclarationSpec.SOURCE);
            Map<String, String> params = new LinkedHashMap<>();
            params.put("flow", name);
            params.put("topic", c.text(s, "topic"));
            String consumers = scalar(get(s, "consumers"));
            params.put("consumers", consumers == null ? DeclarationSpec.SOURCE.prop("consumers").orElseThrow().dflt() : consumers);
            return new DeclarationReader.Source(params, line(get(s, "topic")), name, FlowSpec.applyRoute(name), false);
        }
        if (!routesInFile) {
            throw new FlowException(file, b.line(), "flow '" + name + "' needs a source: {topic: <the Kafka topic it "
                    + "reads>, consumers: <how many consumers read it, 1 by default>}");
        }
        if (source != null && !name.equals(source.routeId())) {
            throw new FlowException(file, b.line(), "flow '" + name + "': its " + SOURCE_TEMPLATE
                    + " templatedRoute needs routeId: " + name + " (the flow's consumer route is named after the flow)");
        }
        if (source == null || apply == null || apply.routeId() == null) {
            throw new FlowException(file, b.line(), "flow '" + name + "' needs a templatedRoute of " + SOURCE_TEMPLATE
                    + " and one of " + APPLY_TEMPLATE + " with the parameter flow: " + name
                    + " (or, shorter, a source: {topic, consumers} in place of both)");
        }
        return new DeclarationReader.Source(source.parameters(), source.topicLine(), source.routeId(), apply.routeId(), true);
    }
}
