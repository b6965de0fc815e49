package io.tidewater.replay;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tidewater.replay.ReplayService.Leg;
import io.tidewater.replay.ReplayService.LoadTopic;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes a replay runs: the replay-live route for a live replay of a topic (routes/replay-live.camel.yaml), and for a
 * side replay or a re-drive one route per topic from the replay-side template (routes/replay-side.camel.yaml), removed
 * when it is done.
 */
final class ReplayRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayRoutes.class);

    private final CamelContext context;
    private final ReplayKafka kafka;
    private final String group;

    ReplayRoutes(CamelContext context, ReplayKafka kafka, String group) {
        this.context = context;
        this.kafka = kafka;
        this.group = group;
    }

    /** A live replay of one topic: its load route stopped, its positions moved back to the legs' starts, started again. */
    void live(Replay replay, LoadTopic load) {
        List<Leg> legs = replay.legs.stream().filter(l -> l.topic().equals(load.topic())).toList();
        Map<String, Object> headers = new HashMap<>();
        headers.put(ReplayService.REPLAY_ID, replay.id);
        headers.put("replayRoute", load.route());
        headers.put("replayConsumerGroup", group + "." + load.route());
        headers.put("group", group);
        headers.put("offTopics", legs.stream().map(Leg::topic).toArray(String[]::new));
        headers.put("offPartitions", legs.stream().map(Leg::partition).toArray(Integer[]::new));
        headers.put("offNext", legs.stream().map(Leg::start).toArray(Long[]::new));
        context.createProducerTemplate().requestBodyAndHeaders("direct:replay-live", null, headers);
    }

    /** A side replay's (or a re-drive's) routes, one per topic, each starting at its range. */
    void side(Replay replay) {
        for (String topic : replay.topics()) {
            LoadTopic load = replay.loads.get(topic);
            String routeId = (replay.kind.equals("redrive") ? "redrive-" : "replay-side-") + replay.id + "-" + load.route();
            String repository = "replayStart" + replay.id + "_" + load.route();
            Map<Integer, Long> starts = new HashMap<>();
            // Partitions outside the request start at their range's end, i.e. are not read.
            replay.legs.stream().filter(l -> l.topic().equals(topic)).forEach(l -> starts.put(l.partition(), l.start()));
            context.getRegistry().bind(repository, new RangeStart(topic, starts, kafka.offsets(topic, kafka.allPartitions(topic),
                    OffsetSpec.latest())));
            TemplatedRouteBuilder.builder(context, "replay-side")
                    .routeId(routeId)
                    .parameter("topic", topic)
                    .parameter("groupId", group + ".replay-" + replay.id + "." + load.route())
                    .parameter("offsetRepository", repository)
                    .parameter("flow", load.route())
                    .parameter("replayId", String.valueOf(replay.id))
                    .add();
            replay.sideRoutes.add(routeId);
            replay.repositories.add(repository);
        }
    }

    /** Stops and removes a side replay's routes and the starts they read. */
    void remove(Replay replay) {
        for (String route : replay.sideRoutes) {
            try {
                context.getRouteController().stopRoute(route);
                context.removeRoute(route);
            } catch (Exception e) {
                LOG.warn("Removing {}: {}", route, e.toString());
            }
        }
        replay.repositories.forEach(r -> context.getRegistry().unbind(r));
    }
}
