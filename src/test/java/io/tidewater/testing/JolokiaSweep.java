package io.tidewater.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Everything one Jolokia endpoint answers: its version, the list of every MBean, a read of every attribute of every
 * MBean, and an exec of every signature of every operation of every MBean, with made-up arguments (true for every
 * boolean, so a dump asked to resolve placeholders is among them). The access policy decides which are answered; an
 * operation that starts or stops something is called after all the others.
 */
public final class JolokiaSweep {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 100;

    private final String url;
    private final String authorization;
    private final HttpClient http = HttpClient.newHttpClient();

    /** One request and Jolokia's answer to it; operation is null for anything but an exec. */
    public record Call(String mbean, String operation, int status, String request, String response) {
    }

    /** url: the Jolokia endpoint (ending in /); user null for none. */
    public JolokiaSweep(String url, String user, String password) {
        this.url = url;
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public List<Call> run() throws Exception {
        List<Call> calls = new ArrayList<>();
        List<ObjectNode> reads = new ArrayList<>();
        List<ObjectNode> execs = new ArrayList<>();
        List<ObjectNode> firstRequests = List.of(JSON.createObjectNode().put("type", "version"),
                JSON.createObjectNode().put("type", "search").put("mbean", "*:*"),
                JSON.createObjectNode().put("type", "list"));
        List<Call> first = send(firstRequests);
        calls.addAll(first);
        JsonNode list = JSON.readTree(first.get(2).response()).path("value");
        if (first.get(2).status() != 200 || !list.isObject()) {
            throw new AssertionError("Jolokia at " + url + " did not list its MBeans: " + first.get(2).response());
        }
        for (Iterator<Map.Entry<String, JsonNode>> domains = list.fields(); domains.hasNext(); ) {
            Map.Entry<String, JsonNode> domain = domains.next();
            for (Iterator<Map.Entry<String, JsonNode>> beans = domain.getValue().fields(); beans.hasNext(); ) {
                Map.Entry<String, JsonNode> bean = beans.next();
                String name = domain.getKey() + ":" + bean.getKey();
                ObjectNode read = JSON.createObjectNode().put("type", "read").put("mbean", name);
                read.putObject("config").put("ignoreErrors", true);
                reads.add(read);
                for (Iterator<Map.Entry<String, JsonNode>> ops = bean.getValue().path("op").fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    JsonNode signatures = op.getValue().isArray() ? op.getValue() : JSON.createArrayNode().add(op.getValue());
                    for (JsonNode signature : signatures) {
                        execs.add(exec(name, op.getKey(), signature.path("args")));
                    }
                }
            }
        }
        execs.sort(Comparator.comparing(e -> lifecycle(e.get("operation").asText())));
        for (int i = 0; i < reads.size(); i += CHUNK) {
            calls.addAll(send(reads.subList(i, Math.min(reads.size(), i + CHUNK))));
        }
        for (int i = 0; i < execs.size(); i += CHUNK) {
            calls.addAll(send(execs.subList(i, Math.min(execs.size(), i + CHUNK))));
        }
        return calls;
    }

    private static boolean lifecycle(String operation) {
        return operation.matches("(start|stop|suspend|resume|restart|remove|shutdown).*");
    }

    private static ObjectNode exec(String mbean, String operation, JsonNode args) {
        List<String> types = new ArrayList<>();
        ArrayNode arguments = JSON.createArrayNode();
        for (JsonNode arg : args) {
            String type = arg.path("type").asText();
            types.add(type);
            switch (type) {
                case "boolean", "java.lang.Boolean" -> arguments.add(true);
                case "int", "long", "short", "byte", "java.lang.Integer", "java.lang.Long", "java.lang.Short" -> arguments.add(1);
                case "double", "float", "java.lang.Double", "java.lang.Float" -> arguments.add(1.0);
                case "java.lang.String" -> arguments.add("tidewater-probe");
                default -> arguments.add(type.startsWith("[") || type.endsWith("List") || type.endsWith("Set")
                        ? JSON.createArrayNode() : null);
            }
        }
        ObjectNode request = JSON.createObjectNode().put("type", "exec").put("mbean", mbean)
                .put("operation", operation + "(" + String.join(",", types) + ")");
        request.set("arguments", arguments);
        return request;
    }

    /** One bulk request; one call per request in it. */
    private List<Call> send(List<ObjectNode> requests) throws Exception {
        ArrayNode bulk = JSON.createArrayNode().addAll(requests);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(180))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(bulk)));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answers = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        if (answers == null || !answers.isArray() || answers.size() != requests.size()) {
            throw new AssertionError("Jolokia at " + url + " answered HTTP " + r.statusCode() + ": " + r.body());
        }
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            ObjectNode q = requests.get(i);
            JsonNode a = answers.get(i);
            calls.add(new Call(q.path("mbean").asText(null), q.path("operation").asText(null), a.path("status").asInt(),
                    q.toString(), a.toString()));
        }
        return calls;
    }
}
