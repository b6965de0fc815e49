package io.tidewater.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tidewater.embedded.EmbeddedDatabase;
import io.tidewater.embedded.FreePorts;
import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.json.JsonConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * End-to-end load benchmark on one machine, every contestant in its own JVM with the machine to itself, on the same
 * preloaded topics:
 * <ol>
 * <li>the peer's sweep: Kafka Connect with the Debezium JDBC sink over its levers, on a slice of its own; the best
 *     configuration is the one the peer runs with from then on;</li>
 * <li>rounds with the contestants' order rotated: the full star schema (Tidewater's load role, the hand-written
 *     {@link BaselineLoader}, the peer), then the same work for both (a Tidewater {@code mirror} flow and the peer, each
 *     upserting the captured customers and orders into identical tables); a checkpoint and VACUUM ANALYZE before each;</li>
 * <li>each of the star contestants again at a fixed 5,000 events/s, for its end-to-end latency.</li>
 * </ol>
 * Throughput and latency both come from the warehouse's own commit timestamps ({@code track_commit_timestamp}): a
 * contestant's rate is its events over the time from its first to its last commit, and an event's latency is its commit
 * minus the moment it was sent. Nothing is launched or attached while a contestant runs.
 *
 * <p>With {@code --growth}: Tidewater alone over many events (growth ratio: the rate of the last 10% over the first's),
 * then a live replay of the last million calls.
 */
@Command(name = "bench/load.sh", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load benchmark: Tidewater against a hand-written baseline and Kafka Connect with the Debezium JDBC sink."
                + " Writes result.json, result.md and result.png (growth.json, growth.md and growth.png with --growth).")
public final class LoadBench implements Callable<Integer> {

    static final int CUSTOMERS = 100_000;
    static final String PEER_NAME = "Kafka Connect + Debezium JDBC sink";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", defaultValue = "1000000", description = "Events to preload and load (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--growth", description = "Tidewater alone: its growth ratio over the events, then a live replay of the last --replay-calls calls.")
    boolean growth;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds, the contestants' order rotated (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--latency-seconds", defaultValue = "30", description = "Seconds at 5,000 events/s per contestant (default ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--sweep-events", defaultValue = "200000", description = "Events of the peer's sweep (default ${DEFAULT-VALUE}).")
    long sweepEvents;

    @Option(names = "--sweep-sizes", split = ",", defaultValue = "500,2000,5000",
            description = "Values swept for the peer's consumer.max.poll.records and batch.size (default ${DEFAULT-VALUE}).")
    List<Integer> sweepSizes;

    @Option(names = "--sweep-tasks", split = ",", defaultValue = "1,2,3", description = "Values swept for the peer's tasks.max (default ${DEFAULT-VALUE}).")
    List<Integer> sweepTasks;

    @Option(names = "--sweep-reduction-buffer", split = ",", arity = "1", defaultValue = "false,true",
            description = "Values swept for the peer's use.reduction.buffer (default ${DEFAULT-VALUE}).")
    List<Boolean> sweepReductionBuffer;

    @Option(names = "--sweep-unnest-insert", split = ",", arity = "1", defaultValue = "false,true",
            description = "Values swept for the peer's dialect.postgres.unnest.insert.enabled (default ${DEFAULT-VALUE}).")
    List<Boolean> sweepUnnestInsert;

    @Option(names = "--peer-config", defaultValue = "500,500,false,1,false",
            description = "The peer's configuration where it is not swept (with --only): poll,batch,reductionBuffer,tasks,unnestInsert"
                    + " (default ${DEFAULT-VALUE}, its defaults).")
    String peerConfigText;

    @Option(names = "--only", split = ",", description = "Only these contestants, one round each, no sweep and no latency runs (for profiling):"
            + " ${COMPLETION-CANDIDATES}.")
    List<Kind> only;

    @Option(names = "--replay-calls", defaultValue = "1000000", description = "Calls replayed live after --growth (default ${DEFAULT-VALUE}).")
    long replayCalls;

    @Option(names = "--out", defaultValue = "target/bench", description = "Where the results go (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--peer-classpath", defaultValue = "target/bench-peer.classpath",
            description = "A file with the peer's classpath (default ${DEFAULT-VALUE}).")
    Path peerClasspathFile;

    /** The contestants. */
    enum Kind {
        TIDEWATER("Tidewater", "tidewater"),
        BASELINE("Baseline", "baseline"),
        PEER(PEER_NAME, "peer"),
        TIDEWATER_MIRROR("Tidewater mirror flows", "tidewater-mirror"),
        PEER_MIRROR("Debezium JDBC sink, mirror", "peer-mirror");

        final String title;
        final String key;

        Kind(String title, String key) {
            this.title = title;
            this.key = key;
        }

        boolean mirror() {
            return this == TIDEWATER_MIRROR || this == PEER_MIRROR;
        }
    }

    /** The peer's levers. */
    record PeerConfig(int maxPollRecords, int batchSize, boolean reductionBuffer, int tasks, boolean unnestInsert) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("consumer.max.poll.records", maxPollRecords);
            m.put("batch.size", batchSize);
            m.put("use.reduction.buffer", reductionBuffer);
            m.put("tasks.max", tasks);
            m.put("dialect.postgres.unnest.insert.enabled", unnestInsert);
            return m;
        }

        PeerConfig withTasks(int n) {
            return new PeerConfig(maxPollRecords, batchSize, reductionBuffer, n, unnestInsert);
        }

        /** From {@code poll,batch,reduction buffer,tasks,unnest insert}, e.g. {@code 2000,500,true,1,true}. */
        static PeerConfig parse(String text) {
            String[] v = text.split(",");
            if (v.length != 5) {
                throw new IllegalArgumentException("a peer configuration is poll,batch,reductionBuffer,tasks,unnestInsert: " + text);
            }
            return new PeerConfig(Integer.parseInt(v[0].strip()), Integer.parseInt(v[1].strip()), Boolean.parseBoolean(v[2].strip()),
                    Integer.parseInt(v[3].strip()), Boolean.parseBoolean(v[4].strip()));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "max.poll.records=%d batch.size=%d use.reduction.buffer=%s tasks.max=%d unnest.insert=%s",
                    maxPollRecords, batchSize, reductionBuffer, tasks, unnestInsert);
        }
    }

    /**
     * One contestant's run of {@code events}: events/s from its commits, the seconds from its first to its last commit,
     * peak heap and RSS, its process's CPU seconds, the broker's CPU seconds meanwhile, the warehouse's statement seconds
     * (pg_stat_statements, its database), how busy the machine was, and its loaded events over time (seconds, events).
     */
    record Run(Kind kind, String tag, long events, double eps, double seconds, long heapMb, long rssMb, double cpuSeconds,
               double brokerCpuSeconds, double warehouseSeconds, double machineBusy, List<double[]> progress) {

        Run withWarehouseSeconds(double s) {
            return new Run(kind, tag, events, eps, seconds, heapMb, rssMb, cpuSeconds, brokerCpuSeconds, s, machineBusy, progress);
        }

        /** A figure per million of the run's events. */
        double perMillion(double value) {
            return value * 1_000_000 / events;
        }
    }

    /** Exact end-to-end latency percentiles (ms) of one contestant at the fixed rate. */
    record Latency(Kind kind, long events, double p50, double p99, double p999, double max) {
    }

    /** Every contestant process this run started. */
    private static final List<Process> STARTED = new CopyOnWriteArrayList<>();

    private EmbeddedDatabase db;
    private BenchBroker kafka;
    private Admin admin;
    private Path dir;
    private String peerClasspath;
    private BenchWorkload.Counts counts;
    private String warehouseUrl;
    private String peerUrl;
    private final String opsPassword = UUID.randomUUID().toString();
    private PeerConfig peerConfig;
    private int tidewaterMgmtPort;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        peerConfig = PeerConfig.parse(peerConfigText);
        // The peer's classpath is needed only where the peer runs (not with --growth, nor --only of Tidewater's contestants).
        peerClasspath = Files.exists(peerClasspathFile) ? Files.readString(peerClasspathFile).strip() : "";
        dir = Files.createTempDirectory("tidewater-loadbench-");
        try (EmbeddedDatabase database = new EmbeddedDatabase(dir.resolve("pg"), 0)
                .withServerConfig("shared_preload_libraries", "pg_stat_statements")
                .withServerConfig("track_commit_timestamp", "on").start();
             BenchBroker broker = BenchBroker.start(dir.resolve("kafka"), 3);
             Admin kafkaAdmin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            db = database;
            kafka = broker;
            admin = kafkaAdmin;
            db.ensureDatabase("warehouse");
            db.ensureDatabase("peer");
            warehouseUrl = db.jdbcUrl("warehouse");
            peerUrl = db.jdbcUrl("peer");
            statements(warehouseUrl, null);
            List<String> topics = new ArrayList<>();
            for (String prefix : growth ? List.of("") : List.of("", "sweep.")) {
                for (String t : List.of(BenchWorkload.CALLS, BenchWorkload.CUSTOMERS, BenchWorkload.ORDERS, "events.shipping")) {
                    topics.add(prefix + t);
                    topics.add(prefix + t + ".dlq");
                }
            }
            io.tidewater.ops.Topics.ensure(admin, topics, 3, (short) 1);
            long t0 = System.nanoTime();
            counts = BenchWorkload.produce(kafka.bootstrapServers(), events, CUSTOMERS, 42);
            log("preloaded %,d events (%,d calls, %,d orders, %,d customers) in %.1f s", counts.total(), counts.calls(),
                    counts.orders(), counts.customers(), (System.nanoTime() - t0) / 1e9);
            return growth ? growth() : only != null ? only() : star();
        } finally {
            // A failed run leaves no contestant behind (they would hold ports and CPU for the next run).
            for (Process p : STARTED) {
                if (p.isAlive()) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
            STARTED.clear();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // ---- the star schema, the same-work pair, latency -------------------------------------------------------------

    /**
     * One contestant's run, after a settle: until it has loaded every event, then its top statements and a check of its
     * rows.
     */
    private Run run(Kind k, String tag) throws Exception {
        settle();
        Process p = start(k, tag);
        Run run = measure(k, tag, p);
        stop(p);
        double warehouse = statements(k == Kind.PEER || k == Kind.PEER_MIRROR ? peerUrl : warehouseUrl,
                out.resolve(k.key + "-" + tag + "-statements.txt"));
        verify(k, tag);
        log("%s %s: per million events, %.1f CPU s, %.1f s of warehouse statements, %.1f broker CPU s", k.title, tag,
                run.perMillion(run.cpuSeconds()), run.perMillion(warehouse), run.perMillion(run.brokerCpuSeconds()));
        return run.withWarehouseSeconds(warehouse);
    }

    /**
     * The given contestants, once each (the peer at its defaults), then the latency of each star one among them: for
     * profiling or trying one contestant, e.g. with TIDEWATER_BENCH_JFR.
     */
    private int only() throws Exception {
        Map<Kind, List<Run>> runs = new EnumMap<>(Kind.class);
        for (Kind k : only) {
            runs.put(k, List.of(run(k, "o")));
        }
        List<Latency> latencies = new ArrayList<>();
        int i = 0;
        for (Kind k : only) {
            if (!k.mirror() && latencySeconds > 0) {
                latencies.add(latency(k, "o", i++));
            }
        }
        String table = BenchReport.only(runs, latencies);
        Files.writeString(out.resolve("only.md"), table);
        System.out.println(table);
        return 0;
    }

    private int star() throws Exception {
        List<Map<String, Object>> sweep = sweep();
        Map<Kind, List<Run>> runs = new EnumMap<>(Kind.class);
        List<List<Kind>> orders = new ArrayList<>();
        List<Kind> trio = List.of(Kind.TIDEWATER, Kind.BASELINE, Kind.PEER);
        for (int r = 1; r <= rounds; r++) {
            String tag = "r" + r;
            List<Kind> order = new ArrayList<>(trio);
            java.util.Collections.rotate(order, -(r - 1));
            order.addAll(r % 2 == 1 ? List.of(Kind.TIDEWATER_MIRROR, Kind.PEER_MIRROR) : List.of(Kind.PEER_MIRROR, Kind.TIDEWATER_MIRROR));
            orders.add(order);
            for (Kind k : order) {
                log("round %d: %s", r, k.title);
                Run run = run(k, tag);
                // The last round's star contestants stay for the latency runs; everything else is dropped.
                if (k.mirror() || r < rounds) {
                    drop(k, tag);
                }
                runs.computeIfAbsent(k, x -> new ArrayList<>()).add(run);
            }
        }
        List<Latency> latencies = new ArrayList<>();
        for (int i = 0; i < trio.size(); i++) {
            latencies.add(latency(trio.get(i), "r" + rounds, i));
        }
        Map<String, Object> result = BenchReport.result(counts, runs, latencies, peerConfig, sweep, latencySeconds);
        String release = peerRelease(peerClasspath);
        result.put("peer_release", release);
        result.put("peer_version", Double.parseDouble(release.replaceAll("^(\\d+\\.\\d+).*", "$1")));
        result.put("orders", orders.stream().map(o -> o.stream().map(k -> k.key).toList()).toList());
        result.put("cores", Runtime.getRuntime().availableProcessors());
        Path json = out.resolve("result.json");
        // Figures of an earlier --growth run into the same directory are kept.
        if (Files.exists(json)) {
            JsonNode before = JSON.readTree(json.toFile());
            for (String field : List.of("growth_ratio", "growth_middle_ratio", "replay_eps", "growth_events")) {
                if (before.has(field)) {
                    result.put(field, JSON.treeToValue(before.get(field), Object.class));
                }
            }
        }
        Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        Files.writeString(out.resolve("result.md"), BenchReport.table(result, runs, latencies, sweep, orders, CUSTOMERS));
        BenchReport.chart(out.resolve("result.png"), runs, latencies);
        System.out.println(Files.readString(out.resolve("result.md")));
        return 0;
    }

    /**
     * The peer at its best: every poll size with every batch size up to it, each with and without the reduction buffer,
     * and with the buffer also with the unnest insert (one task), then the other task counts with the best of those; each configuration on the same slice of events,
     * in topics of its own. A batch size above the poll size is not run: the sink flushes its buffers at the end of
     * every put, so it behaves as a batch size equal to the poll size.
     */
    private List<Map<String, Object>> sweep() throws Exception {
        long n = Math.min(sweepEvents, events);
        BenchWorkload.Counts slice = BenchWorkload.produce(kafka.bootstrapServers(), "sweep.", n, CUSTOMERS, 43);
        Map<PeerConfig, Double> tried = new LinkedHashMap<>();
        List<PeerConfig> grid = new ArrayList<>();
        for (int poll : sweepSizes) {
            for (int batch : sweepSizes) {
                if (batch <= poll) {
                    for (boolean buffer : sweepReductionBuffer) {
                        for (boolean unnest : sweepUnnestInsert) {
                            // An unnest upsert of a batch that names a key twice fails (ON CONFLICT cannot affect a
                            // row twice): the sink's unnest insert is only valid with its reduction buffer.
                            if (buffer || !unnest) {
                                grid.add(new PeerConfig(poll, batch, buffer, sweepTasks.get(0), unnest));
                            }
                        }
                    }
                }
            }
        }
        List<java.util.function.Function<PeerConfig, List<PeerConfig>>> levers = List.of(
                c -> grid,
                c -> sweepTasks.stream().map(c::withTasks).toList());
        PeerConfig best = grid.get(0);
        int i = 0;
        for (var lever : levers) {
            for (PeerConfig c : lever.apply(best)) {
                if (!tried.containsKey(c)) {
                    String tag = "s" + (++i);
                    peerConfig = c;
                    settle();
                    Process p = startPeer(List.of("sweep." + BenchWorkload.CALLS), List.of("sweep." + BenchWorkload.CUSTOMERS,
                            "sweep." + BenchWorkload.ORDERS), tag, "bench-cdc-", "peer_" + tag + "_", out.resolve("peer-sweep-" + tag + ".log"));
                    long total = slice.total();
                    List<String> groups = List.of("connect-bench-calls-" + tag, "connect-bench-cdc-" + tag);
                    await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(500))
                            .until(() -> committed(groups) >= total || !p.isAlive());
                    stop(p);
                    if (committed(groups) < total) {
                        throw new IllegalStateException("the peer stopped during the sweep with " + c);
                    }
                    long calls = count(peerUrl, "SELECT count(*) FROM peer_" + tag + "_calls");
                    if (calls != slice.calls()) {
                        throw new IllegalStateException("the peer loaded " + calls + " of " + slice.calls() + " calls with " + c);
                    }
                    double[] span = span(peerUrl, List.of("peer_" + tag + "_calls"),
                            List.of("peer_" + tag + "_calls", "peer_" + tag + "_customers", "peer_" + tag + "_orders"));
                    double eps = total / (span[1] - span[0]);
                    log("sweep %s: %,.0f events/s", c, eps);
                    tried.put(c, eps);
                    dropPeerTables(peerUrl, "peer_" + tag + "_");
                }
            }
            best = tried.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        }
        peerConfig = best;
        log("the peer's best: %s", best);
        List<Map<String, Object>> rows = new ArrayList<>();
        tried.forEach((c, eps) -> {
            Map<String, Object> row = new LinkedHashMap<>(c.json());
            row.put("eps", Math.round(eps));
            rows.add(row);
        });
        return rows;
    }

    /**
     * A star contestant of the last round again, resumed where it stopped: once it has caught up, a warm-up at 5,000
     * calls/s (not counted), then the measured calls at 5,000/s. Each call's latency is its row's commit time minus the
     * time it was sent (its startedAt).
     */
    private Latency latency(Kind k, String tag, int index) throws Exception {
        settle();
        Process p = start(k, tag, out.resolve(k.key + "-latency.log"));
        awaitCaughtUp(k, tag, p);
        paced(Math.max(2, latencySeconds / 3), 1_000_000_000L * (2 * index + 1));
        awaitCaughtUp(k, tag, p);
        long first = 1_000_000_000L * (2 * index + 2);
        long sent = paced(latencySeconds, first);
        awaitCaughtUp(k, tag, p);
        if (k == Kind.TIDEWATER) {
            // Where each batch's time went: Camel's own statistics of every step, for the report's profile.
            Files.writeString(out.resolve("tidewater-latency-steps.json"), jolokiaRaw("{\"type\":\"read\",\"mbean\":"
                    + "\"org.apache.camel:context=*,type=processors,name=*\",\"attribute\":[\"RouteId\",\"ProcessorId\","
                    + "\"ExchangesCompleted\",\"MeanProcessingTime\",\"TotalProcessingTime\"]}"));
        }
        stop(p);
        statements(k == Kind.PEER ? peerUrl : warehouseUrl, out.resolve(k.key + "-latency-statements.txt"));
        String from = new UUID(99, first).toString();
        String to = new UUID(99, first + sent - 1).toString();
        String sql = switch (k) {
            case PEER -> "SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin) - startedat::timestamptz) * 1000000)::bigint"
                    + " FROM peer_" + tag + "_calls WHERE eventid BETWEEN ? AND ?";
            default -> "SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin) - started_at) * 1000000)::bigint FROM "
                    + schema(k, tag) + ".fact_call WHERE event_id BETWEEN ?::uuid AND ?::uuid";
        };
        Histogram h = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
        try (Connection c = DriverManager.getConnection(k == Kind.PEER ? peerUrl : warehouseUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, from);
            ps.setString(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    h.recordValue(Math.max(0, Math.min(rs.getLong(1), h.getHighestTrackableValue())));
                }
            }
        }
        if (h.getTotalCount() != sent) {
            throw new IllegalStateException(k.title + " committed " + h.getTotalCount() + " of the " + sent + " paced calls");
        }
        // How the calls were committed: in how many transactions, and how far apart.
        String table = k == Kind.PEER ? "peer_" + tag + "_calls" : schema(k, tag) + ".fact_call";
        String idColumn = k == Kind.PEER ? "eventid" : "event_id::text";
        String commits = String.format(Locale.ROOT, "SELECT count(*), avg(n), extract(epoch FROM max(t) - min(t)) / greatest(count(*) - 1, 1) * 1000 FROM"
                + " (SELECT xmin, count(*) AS n, pg_xact_commit_timestamp(xmin) AS t FROM %s WHERE %s BETWEEN '%s' AND '%s' GROUP BY xmin) x",
                table, idColumn, from, to);
        try (Connection c = DriverManager.getConnection(k == Kind.PEER ? peerUrl : warehouseUrl, "postgres", "");
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(commits)) {
            rs.next();
            log("%s committed the paced calls in %,d transactions of %.0f calls on average, one every %.1f ms", k.title, rs.getLong(1),
                    rs.getDouble(2), rs.getDouble(3));
        }
        Latency l = new Latency(k, sent, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
        log("%s at 5,000 events/s for %d s (%,d calls): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms", k.title,
                latencySeconds, sent, l.p50(), l.p99(), l.p999(), l.max());
        return l;
    }

    private void awaitCaughtUp(Kind k, String tag, Process p) {
        List<String> topics = List.of(BenchWorkload.CALLS, BenchWorkload.CUSTOMERS, BenchWorkload.ORDERS);
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> !p.isAlive() || loaded(k, tag) >= endOffsets(topics));
        if (!p.isAlive()) {
            throw new IllegalStateException(k.title + " stopped");
        }
    }

    // ---- growth and replay -------------------------------------------------------------------------------------------

    private int growth() throws Exception {
        String tag = "g";
        settle();
        Process p = start(Kind.TIDEWATER, tag);
        Run run = measure(Kind.TIDEWATER, tag, p);
        statements(warehouseUrl, out.resolve("tidewater-growth-statements.txt"));
        verify(Kind.TIDEWATER, tag);
        double ratio = BenchReport.growthRatio(run.progress(), counts.total());
        double middle = BenchReport.middleGrowthRatio(run.progress(), counts.total());
        log("growth: the last 10%% of the events loaded at %.2f x the rate of the first 10%%, %.2f x the middle 10%%'s", ratio, middle);

        // A live replay of the last calls, through Tidewater's own replay (JMX over Jolokia), on the grown warehouse.
        Map<TopicPartition, Long> ends = ends(List.of(BenchWorkload.CALLS));
        long perPartition = (replayCalls + ends.size() - 1) / ends.size();
        long from = Math.max(0, ends.values().stream().mapToLong(Long::longValue).min().orElse(0) - perPartition);
        long records = ends.values().stream().mapToLong(e -> e - from).sum();
        long endSum = ends.values().stream().mapToLong(Long::longValue).sum();
        double t0 = System.currentTimeMillis() / 1000.0;
        String answer = jolokia("{\"type\":\"exec\",\"mbean\":\"tidewater:type=replay\",\"operation\":\"replay\",\"arguments\":[\""
                + BenchWorkload.CALLS + "\",\"\",\"" + from + "\",\"\",\"live\"]}");
        log("replay of %,d calls from offset %d of each partition: %s", records, from, answer);
        String group = "bench-load-" + tag;
        LongSupplier position = () -> topicPosition(schema(Kind.TIDEWATER, tag), group, BenchWorkload.CALLS);
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> position.getAsLong() < endSum);
        await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ofMillis(200)).until(() -> position.getAsLong() >= endSum);
        double end = number(warehouseUrl, "SELECT extract(epoch FROM max(pg_xact_commit_timestamp(xmin))) FROM "
                + schema(Kind.TIDEWATER, tag) + ".etl_offsets WHERE consumer_group = '" + group + "' AND topic = '" + BenchWorkload.CALLS + "'");
        double replayEps = records / (end - t0);
        log("replay: %,d calls in %.1f s = %,.0f events/s", records, end - t0, replayEps);
        stop(p);
        statements(warehouseUrl, out.resolve("tidewater-replay-statements.txt"));
        verify(Kind.TIDEWATER, tag);

        Map<String, Object> g = new LinkedHashMap<>();
        g.put("growth_events", counts.total());
        g.put("growth_ratio", BenchReport.round2(ratio));
        g.put("growth_middle_ratio", BenchReport.round2(middle));
        g.put("growth_tidewater_eps", Math.round(run.eps()));
        g.put("growth_heap_mb", run.heapMb());
        g.put("replay_calls", records);
        g.put("replay_eps", Math.round(replayEps));
        Files.writeString(out.resolve("growth.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(g));
        // result.json carries the growth figures too, next to those of the last star run into the same directory.
        Path json = out.resolve("result.json");
        ObjectNode result = Files.exists(json) ? (ObjectNode) JSON.readTree(json.toFile()) : JSON.createObjectNode();
        g.forEach((key, v) -> result.set(key, JSON.valueToTree(v)));
        Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        Files.writeString(out.resolve("growth.md"), BenchReport.growthTable(g, run));
        BenchReport.growthChart(out.resolve("growth.png"), run);
        System.out.println(Files.readString(out.resolve("growth.md")));
        return 0;
    }

    private String jolokia(String body) throws Exception {
        JsonNode answer = JSON.readTree(jolokiaRaw(body));
        if (answer.path("status").asInt() != 200) {
            throw new IllegalStateException("Jolokia answered " + answer);
        }
        return answer.path("value").asText();
    }

    private String jolokiaRaw(String body) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + tidewaterMgmtPort + "/observe/jolokia"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("operator:" + opsPassword).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    // ---- contestants -------------------------------------------------------------------------------------------------

    private static String schema(Kind k, String tag) {
        return switch (k) {
            case TIDEWATER -> "tw_" + tag;
            case BASELINE -> "baseline_" + tag;
            case TIDEWATER_MIRROR -> "twm_" + tag;
            default -> throw new IllegalArgumentException(k + " has no schema in the warehouse");
        };
    }

    private Process start(Kind k, String tag) throws Exception {
        return start(k, tag, out.resolve(k.key + "-" + tag + ".log"));
    }

    private Process start(Kind k, String tag, Path log) throws Exception {
        return switch (k) {
            case TIDEWATER -> startTidewater(k, tag, "bench-load-" + tag, log);
            case TIDEWATER_MIRROR -> startTidewater(k, tag, "bench-mirror-" + tag, log);
            case BASELINE -> {
                migrate(schema(k, tag));
                yield java(log, System.getProperty("java.class.path"), BaselineLoader.class.getName(), kafka.bootstrapServers(),
                        warehouseUrl, schema(k, tag), "baseline-load-" + tag);
            }
            case PEER -> startPeer(List.of(BenchWorkload.CALLS), List.of(BenchWorkload.CUSTOMERS, BenchWorkload.ORDERS), tag,
                    "bench-cdc-", "peer_" + tag + "_", log);
            case PEER_MIRROR -> startPeer(List.of(), List.of(BenchWorkload.CUSTOMERS, BenchWorkload.ORDERS), tag,
                    "bench-mirror-", "mirror_" + tag + "_", log);
        };
    }

    /** Events the contestant has committed so far. */
    private long loaded(Kind k, String tag) {
        return switch (k) {
            case TIDEWATER -> positions(schema(k, tag), "bench-load-" + tag);
            case TIDEWATER_MIRROR -> positions(schema(k, tag), "bench-mirror-" + tag);
            case BASELINE -> positions(schema(k, tag), "baseline-load-" + tag);
            case PEER -> committed(List.of("connect-bench-calls-" + tag, "connect-bench-cdc-" + tag));
            case PEER_MIRROR -> committed(List.of("connect-bench-mirror-" + tag));
        };
    }

    private long total(Kind k) {
        return k.mirror() ? counts.changes() : counts.total();
    }

    /** The first and the last commit (epoch seconds) of the contestant's rows, which give its rate. */
    private double[] span(Kind k, String tag) {
        return switch (k) {
            case TIDEWATER, BASELINE -> span(warehouseUrl, List.of(schema(k, tag) + ".fact_call"), List.of(schema(k, tag) + ".etl_offsets"));
            case TIDEWATER_MIRROR -> span(warehouseUrl, List.of(schema(k, tag) + ".mirror_customers", schema(k, tag) + ".mirror_orders"),
                    List.of(schema(k, tag) + ".etl_offsets"));
            case PEER -> span(peerUrl, List.of("peer_" + tag + "_calls"),
                    List.of("peer_" + tag + "_calls", "peer_" + tag + "_customers", "peer_" + tag + "_orders"));
            case PEER_MIRROR -> span(peerUrl, List.of("mirror_" + tag + "_customers", "mirror_" + tag + "_orders"),
                    List.of("mirror_" + tag + "_customers", "mirror_" + tag + "_orders"));
        };
    }

    /** Every contestant wrote the rows, not only moved its offsets: each call once, each customer and order. */
    private void verify(Kind k, String tag) {
        long calls = 0;
        long customers;
        long ordersRows;
        switch (k) {
            case TIDEWATER, BASELINE -> {
                calls = count(warehouseUrl, "SELECT count(*) FROM " + schema(k, tag) + ".fact_call");
                customers = count(warehouseUrl, "SELECT count(*) FROM " + schema(k, tag) + ".dim_customer WHERE is_current");
                ordersRows = count(warehouseUrl, "SELECT count(*) FROM " + schema(k, tag) + ".fact_order");
            }
            case TIDEWATER_MIRROR -> {
                customers = count(warehouseUrl, "SELECT count(*) FROM " + schema(k, tag) + ".mirror_customers");
                ordersRows = count(warehouseUrl, "SELECT count(*) FROM " + schema(k, tag) + ".mirror_orders");
            }
            case PEER -> {
                calls = count(peerUrl, "SELECT count(*) FROM peer_" + tag + "_calls");
                customers = count(peerUrl, "SELECT count(*) FROM peer_" + tag + "_customers");
                ordersRows = count(peerUrl, "SELECT count(*) FROM peer_" + tag + "_orders");
            }
            default -> {
                customers = count(peerUrl, "SELECT count(*) FROM mirror_" + tag + "_customers");
                ordersRows = count(peerUrl, "SELECT count(*) FROM mirror_" + tag + "_orders");
            }
        }
        long expectedCalls = k.mirror() ? 0 : counts.calls();
        // A star contestant infers customers that calls name before their changes arrive: at least every captured one.
        boolean customersOk = k.mirror() || k == Kind.PEER ? customers == counts.distinctCustomers() : customers >= counts.distinctCustomers();
        log("%s %s: %,d calls, %,d customers, %,d orders", k.title, tag, calls, customers, ordersRows);
        if (calls != expectedCalls || !customersOk || ordersRows != counts.distinctOrders()) {
            throw new IllegalStateException(k.title + " did not load every row: " + calls + " calls of " + expectedCalls + ", "
                    + customers + " customers of " + counts.distinctCustomers() + ", " + ordersRows + " orders of " + counts.distinctOrders());
        }
    }

    private void drop(Kind k, String tag) throws Exception {
        switch (k) {
            case TIDEWATER, BASELINE, TIDEWATER_MIRROR -> {
                try (Connection c = DriverManager.getConnection(warehouseUrl, "postgres", ""); Statement st = c.createStatement()) {
                    st.execute("DROP SCHEMA " + schema(k, tag) + " CASCADE");
                }
            }
            case PEER -> dropPeerTables(peerUrl, "peer_" + tag + "_");
            case PEER_MIRROR -> dropPeerTables(peerUrl, "mirror_" + tag + "_");
        }
    }

    private static void dropPeerTables(String url, String prefix) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            for (String t : List.of("calls", "customers", "orders")) {
                st.execute("DROP TABLE IF EXISTS " + prefix + t);
            }
        }
    }

    private void migrate(String schema) {
        try (var ds = DataSources.pooled(schema, warehouseUrl, "postgres", null, schema, 2)) {
            Migrations.warehouse(ds, schema);
            io.tidewater.testing.DemoTables.create(ds);
        }
    }

    /**
     * Tidewater's load role from the packaged jar, in external mode, in a directory of its own: the star contestant with
     * the demo's flows, or the mirror contestant with two mirror flows (customers and orders) instead.
     */
    private Process startTidewater(Kind k, String tag, String group, Path logFile) throws IOException {
        Path app = dir.resolve(k.key + "-" + tag);
        Path routes = app.resolve("routes");
        if (!Files.isDirectory(routes)) {
            migrate(schema(k, tag));
            Files.createDirectories(routes);
            try (Stream<Path> files = Files.list(Path.of("routes"))) {
                for (Path r : files.toList()) {
                    if (k == Kind.TIDEWATER || !Files.readString(r).contains("io.tidewater.flow.FlowDeclaration")) {
                        Files.copy(r, routes.resolve(r.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            if (k == Kind.TIDEWATER_MIRROR) {
                Files.writeString(routes.resolve("mirror-customers.camel.yaml"), mirrorFlow("mirror-customers", "mirror_customers", BenchWorkload.CUSTOMERS));
                Files.writeString(routes.resolve("mirror-orders.camel.yaml"), mirrorFlow("mirror-orders", "mirror_orders", BenchWorkload.ORDERS));
            }
        }
        tidewaterMgmtPort = FreePorts.next();
        List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("application.properties")));
        Map<String, String> overrides = Map.of("tidewater.kafka.bootstrap-servers", kafka.bootstrapServers(),
                "tidewater.edw.jdbc-url", warehouseUrl, "tidewater.edw.username", "postgres", "tidewater.edw.schema", schema(k, tag),
                "tidewater.capture.enabled", "false", "tidewater.demo.enabled", "false", "tidewater.load.group-id", group,
                "camel.management.port", String.valueOf(tidewaterMgmtPort));
        lines.removeIf(l -> overrides.keySet().stream().anyMatch(key -> l.startsWith(key + "=")));
        overrides.forEach((key, v) -> lines.add(key + "=" + v));
        Files.write(app.resolve("application.properties"), lines);
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", collector(), gcLogOption(logFile)));
        // TIDEWATER_BENCH_JVM: more JVM options for Tidewater (space-separated), for trying a JVM setting.
        String jvm = System.getenv("TIDEWATER_BENCH_JVM");
        if (jvm != null && !jvm.isBlank()) {
            cmd.addAll(List.of(jvm.strip().split("\\s+")));
        }
        // TIDEWATER_BENCH_JFR=1 records a JFR profile of Tidewater next to its log (for finding hotspots); any other value
        // names the JFR settings to record with (a .jfc file, e.g. with zero thresholds to account for every wait).
        String jfr = System.getenv("TIDEWATER_BENCH_JFR");
        if (jfr != null && !jfr.isBlank()) {
            cmd.add("-XX:StartFlightRecording=settings=" + ("1".equals(jfr) ? "profile" : jfr) + ",filename=" + logFile.resolveSibling(
                    logFile.getFileName().toString().replace(".log", ".jfr")).toAbsolutePath());
        }
        cmd.addAll(List.of("-jar", Path.of("target/tidewater.jar").toAbsolutePath().toString(), "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(app.toFile()).redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().put("TIDEWATER_OPS_PASSWORD", opsPassword);
        Process p = pb.start();
        STARTED.add(p);
        return p;
    }

    /** A mirror flow of one captured table, typed by the records' Connect schemas. */
    static String mirrorFlow(String name, String table, String topic) {
        return String.join("\n",
                "- beans:",
                "    - name: " + name,
                "      type: io.tidewater.flow.FlowDeclaration",
                "      properties:",
                "        format: debezium",
                "        kind: mirror",
                "        table: " + table,
                "        key: id",
                "        source: {topic: " + topic + "}",
                "");
    }

    /**
     * Kafka Connect standalone with the Debezium JDBC sink at the current configuration: a connector for the calls (when
     * given) and one for the captured tables, upserting by primary key into tables named {@code <table prefix><name>}.
     */
    private Process startPeer(List<String> callTopics, List<String> cdcTopics, String tag, String cdcConnector, String tablePrefix,
                              Path log) throws IOException {
        Path connect = dir.resolve("connect-" + tag + "-" + tablePrefix);
        Files.createDirectories(connect);
        PeerConfig c = peerConfig;
        Files.writeString(connect.resolve("worker.properties"), String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable=true",
                "offset.storage.file.filename=" + connect.resolve("offsets"),
                "offset.flush.interval.ms=1000",
                "consumer.max.poll.records=" + c.maxPollRecords(),
                "consumer.auto.offset.reset=earliest",
                ""));
        String common = String.join("\n",
                "connector.class=io.debezium.connector.jdbc.JdbcSinkConnector",
                "tasks.max=" + c.tasks(),
                "connection.url=" + peerUrl,
                "connection.username=postgres",
                "connection.password=",
                "insert.mode=upsert",
                "primary.key.mode=record_value",
                "schema.evolution=basic",
                "batch.size=" + c.batchSize(),
                "use.reduction.buffer=" + c.reductionBuffer(),
                "dialect.postgres.unnest.insert.enabled=" + c.unnestInsert(),
                "transforms=route",
                "transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex=.*\\\\.([a-z]+)$",
                "transforms.route.replacement=" + tablePrefix + "$1",
                "");
        List<String> args = new ArrayList<>(List.of(connect.resolve("worker.properties").toString()));
        if (!callTopics.isEmpty()) {
            Files.writeString(connect.resolve("calls.properties"), common + String.join("\n", "name=bench-calls-" + tag,
                    "topics=" + String.join(",", callTopics), "primary.key.fields=eventId", ""));
            args.add(connect.resolve("calls.properties").toString());
        }
        Files.writeString(connect.resolve("cdc.properties"), common + String.join("\n", "name=" + cdcConnector + tag,
                "topics=" + String.join(",", cdcTopics), "primary.key.fields=id", ""));
        args.add(connect.resolve("cdc.properties").toString());
        return java(log, peerClasspath, "org.apache.kafka.connect.cli.ConnectStandalone", args.toArray(String[]::new));
    }

    /** The Debezium JDBC sink's release on the peer's classpath, e.g. {@code 3.5.0.Final}. */
    static String peerRelease(String classpath) {
        Matcher m = Pattern.compile("debezium-connector-jdbc-(\\d+\\.\\d+[^/:]*?)\\.jar").matcher(classpath);
        if (!m.find()) {
            throw new IllegalStateException("no debezium-connector-jdbc on the peer's classpath");
        }
        return m.group(1);
    }

    private static Process java(Path logFile, String classpath, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", collector(), gcLogOption(logFile), "-cp", classpath, main));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        STARTED.add(p);
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // ---- measuring ---------------------------------------------------------------------------------------------------

    /**
     * Waits, sampling the contestant's position every half second (for the chart), until it has committed every event;
     * then its rate from its commits, and its peak heap from its GC log.
     */
    private Run measure(Kind k, String tag, Process p) {
        long total = total(k);
        List<double[]> progress = new ArrayList<>();
        long start = System.nanoTime();
        boolean[] begun = {false};
        double[] cpu0 = {0, 0};
        long[][] machine0 = {null};
        long[] last = {0};
        await().atMost(Duration.ofHours(3)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500)).until(() -> {
            long n = loaded(k, tag);
            long now = System.nanoTime();
            if (n > 0 && !begun[0]) {
                begun[0] = true;
                cpu0[0] = cpuSeconds(p);
                cpu0[1] = kafka.cpuSeconds();
                machine0[0] = machineJiffies();
            }
            progress.add(new double[] {(now - start) / 1e9, Math.max(0, n)});
            last[0] = n;
            return n >= total || !p.isAlive();
        });
        if (last[0] < total) {
            throw new IllegalStateException(k.title + " stopped at " + last[0] + " of " + total + " events");
        }
        long rss = rssPeakKb(p.pid());
        double cpu = cpuSeconds(p) - cpu0[0];
        double brokerCpu = kafka.cpuSeconds() - cpu0[1];
        long[] machine = machineJiffies();
        double busy = (double) (machine[0] - machine0[0][0]) / Math.max(1, machine[1] - machine0[0][1]);
        double[] span = span(k, tag);
        double seconds = span[1] - span[0];
        Run run = new Run(k, tag, total, total / seconds, seconds, heapPeakKb(gcLog(out.resolve(k.key + "-" + tag + ".log"))) / 1024,
                rss / 1024, cpu, brokerCpu, 0, busy, progress);
        log("%s %s: %,d events in %.1f s (first to last commit) = %,.0f events/s; peak heap %d MB, peak RSS %d MB; %.1f CPU s,"
                + " machine %.0f%% busy", k.title, tag, total, seconds, run.eps(), run.heapMb(), run.rssMb(), cpu, busy * 100);
        return run;
    }

    /** The first commit among the rows of {@code firstTables} and the last among those of {@code lastTables}. */
    private static double[] span(String url, List<String> firstTables, List<String> lastTables) {
        return new double[] {
            number(url, "SELECT extract(epoch FROM min(t)) FROM (" + String.join(" UNION ALL ", firstTables.stream()
                    .map(t -> "SELECT min(pg_xact_commit_timestamp(xmin)) AS t FROM " + t).toList()) + ") x"),
            number(url, "SELECT extract(epoch FROM max(t)) FROM (" + String.join(" UNION ALL ", lastTables.stream()
                    .map(t -> "SELECT max(pg_xact_commit_timestamp(xmin)) AS t FROM " + t).toList()) + ") x")};
    }

    private static double number(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getDouble(1);
        } catch (Exception e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * Each contestant logs its garbage collections, from which its peak heap is read afterwards: nothing is launched or
     * attached while it runs.
     */
    /**
     * The garbage collector of every JVM contestant: the throughput collector, which Tidewater's launcher and image run
     * with (each contestant used less CPU with it than with G1); TIDEWATER_BENCH_GC names another, e.g. -XX:+UseG1GC.
     */
    static String collector() {
        String gc = System.getenv("TIDEWATER_BENCH_GC");
        return gc == null || gc.isBlank() ? "-XX:+UseParallelGC" : gc.strip();
    }

    private static String gcLogOption(Path logFile) {
        return "-Xlog:gc:file=" + gcLog(logFile).toAbsolutePath();
    }

    private static Path gcLog(Path logFile) {
        return logFile.resolveSibling(logFile.getFileName().toString().replace(".log", "-gc.log"));
    }

    private static final Pattern GC = Pattern.compile("(\\d+)([KMG])->\\d+[KMG]\\(\\d+[KMG]\\)");

    /** The peak heap in use (KB): the largest heap before a collection in the contestant's GC log. */
    static long heapPeakKb(Path gcLog) {
        try {
            long peak = 0;
            for (String line : Files.readAllLines(gcLog)) {
                Matcher m = GC.matcher(line);
                if (m.find()) {
                    long v = Long.parseLong(m.group(1));
                    peak = Math.max(peak, switch (m.group(2)) {
                        case "K" -> v;
                        case "M" -> v * 1024;
                        default -> v * 1024 * 1024;
                    });
                }
            }
            return peak;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double cpuSeconds(Process p) {
        return p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** Busy and total jiffies of all cores, from /proc/stat. */
    private static long[] machineJiffies() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long rssPeakKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            // gone
        }
        return 0;
    }

    /** Events loaded: the sum of the positions in the schema's etl_offsets (topics start at offset 0). */
    private long positions(String schema, String group) {
        return topicPosition(schema, group, null);
    }

    /** The same for one topic only (null for every topic). */
    private long topicPosition(String schema, String group, String topic) {
        try (Connection c = DriverManager.getConnection(warehouseUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(next_offset), 0) FROM " + schema
                     + ".etl_offsets WHERE consumer_group = ? AND (?::text IS NULL OR topic = ?)")) {
            ps.setString(1, group);
            ps.setString(2, topic);
            ps.setString(3, topic);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            return -1;
        }
    }

    /** Events Kafka Connect has committed for its sink groups. */
    private long committed(List<String> groups) {
        long n = 0;
        try {
            for (String g : groups) {
                Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                n += m.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
            }
        } catch (Exception e) {
            return -1;
        }
        return n;
    }

    private Map<TopicPartition, Long> ends(Collection<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (var d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
            d.partitions().forEach(p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    private long endOffsets(Collection<String> topics) throws Exception {
        return ends(topics).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Before each contestant: a checkpoint, so no contestant pays for writing out the pages the one before it dirtied,
     * and VACUUM ANALYZE of both databases, so each starts with fresh statistics and no dead rows of another.
     */
    private void settle() throws Exception {
        long t0 = System.nanoTime();
        for (String database : List.of("warehouse", "peer")) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), "postgres", ""); Statement st = c.createStatement()) {
                st.execute("VACUUM ANALYZE");
                st.execute("CHECKPOINT");
            }
        }
        // Each contestant's statements file shows its own statements only.
        statements(warehouseUrl, null);
        log("settled (VACUUM ANALYZE, CHECKPOINT) in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Where PostgreSQL spent its time: the statements with the most execution time since the last call (from
     * pg_stat_statements, every database), written to file; then the statistics are reset. With no file, only resets.
     * Returns the execution seconds of every statement in the database of {@code url} since the last call.
     */
    private static double statements(String url, Path file) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            double seconds;
            try (ResultSet rs = st.executeQuery("SELECT coalesce(sum(total_exec_time), 0) / 1000 FROM pg_stat_statements"
                    + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                rs.next();
                seconds = rs.getDouble(1);
            }
            if (file != null) {
                StringBuilder text = new StringBuilder("total_ms\tcalls\tmean_ms\trows\tquery\n");
                try (ResultSet rs = st.executeQuery("SELECT round(total_exec_time), calls, round((total_exec_time / calls)::numeric, 2), rows,"
                        + " regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12")) {
                    while (rs.next()) {
                        text.append(rs.getLong(1)).append('\t').append(rs.getLong(2)).append('\t').append(rs.getBigDecimal(3)).append('\t')
                                .append(rs.getLong(4)).append('\t').append(rs.getString(5), 0, Math.min(300, rs.getString(5).length())).append('\n');
                    }
                }
                Files.writeString(file, text);
            }
            st.execute("SELECT pg_stat_statements_reset()");
            return seconds;
        }
    }

    private static long count(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * Sends call events at 5,000/s for the given seconds, event ids from {@code firstId}, each started "now" (the time it
     * is sent, which its latency is counted from); returns how many.
     */
    private long paced(int seconds, long firstId) throws Exception {
        var p = new java.util.Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        JsonConverter json = BenchWorkload.converter();
        Random rnd = new Random(7 + firstId);
        long total = 5000L * seconds;
        long[] sent = {0};
        CountDownLatch done = new CountDownLatch(1);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            long start = System.nanoTime();
            // Every 10 ms, whatever the rate says is due by now.
            clock.scheduleAtFixedRate(() -> {
                long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * 5000));
                while (sent[0] < due) {
                    ProducerRecord<String, byte[]> call = BenchWorkload.call(json, rnd, new UUID(99, firstId + sent[0]), Instant.now(), CUSTOMERS);
                    producer.send(call);
                    sent[0]++;
                }
                if (sent[0] >= total) {
                    done.countDown();
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not send at 5,000 events/s");
            }
            clock.shutdown();
            clock.awaitTermination(10, TimeUnit.SECONDS);
            producer.flush();
        } finally {
            clock.shutdownNow();
        }
        return sent[0];
    }

    static void log(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }
}
