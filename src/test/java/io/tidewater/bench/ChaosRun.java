package io.tidewater.bench;

import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.embedded.EmbeddedDatabase;
import io.tidewater.embedded.FreePorts;
import io.tidewater.testing.AppProcess;
import io.tidewater.testing.Envelopes;
import io.tidewater.testing.ExpectedWarehouse;
import io.tidewater.testing.OutageProxy;
import io.tidewater.testing.Workload;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The chaos run: Tidewater's load role (the packaged application, external mode) loads all four topics while they are
 * produced continuously, 1% of the records being ones the warehouse refuses (a NUL byte in a call's agent), and faults
 * strike one after another at random: the application killed (kill -9) and restarted, the warehouse cut off for 10-20 s,
 * and the Kafka broker, a process of its own, killed and restarted. At the end the warehouse is checked against the
 * independent oracle (ExpectedWarehouse) and the dead-letter topic against the refused records.
 * {@code bench/chaos.sh [minutes]} runs it; ChaosIT runs a 2-minute smoke of it.
 */
public final class ChaosRun {

    private static final String PASSWORD = "chaos";
    private static final String CALLS = "events.callcenter.calls";
    private static final String SHIPPING = "events.shipping";
    private static final String CUSTOMERS = "cdc.crm.public.customers";
    private static final String ORDERS = "cdc.sales.public.orders";

    /** What the run did and what the oracle found. */
    public record Result(double minutes, Map<String, Integer> faults, long events, long refused, long deadLetters,
                         long lost, long duplicated, String oracle) {
        public int faultCount() {
            return faults.values().stream().mapToInt(Integer::intValue).sum();
        }

        public String summary() {
            return String.format("chaos: %.1f minutes | faults %d %s | events %,d | refused by the warehouse %,d | "
                    + "dead letters %,d | lost %d | duplicated %d | oracle %s", minutes, faultCount(), faults, events, refused,
                    deadLetters, lost, duplicated, oracle);
        }
    }

    private ChaosRun() {
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        Result r = run(Duration.ofSeconds((long) (minutes * 60)), Path.of(args.length > 1 ? args[1] : "target/chaos"), 500);
        System.out.println(r.summary());
        System.exit(r.lost() == 0 && r.duplicated() == 0 && r.oracle().equals("OK") ? 0 : 1);
    }

    public static Result run(Duration length, Path out, int eventsPerSecond) throws Exception {
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("tidewater-chaos-");
        Random random = new Random(length.toSeconds());
        Workload w = workload((int) Math.max(20_000, eventsPerSecond * length.toSeconds()));
        Set<String> refused = refuseSomeCalls(w);
        int total = w.size();
        log("workload: %,d records over %d s (%,d the warehouse will refuse)", total, length.toSeconds(), refused.size());
        try (EmbeddedDatabase db = new EmbeddedDatabase(dir.resolve("pg"), 0).start();
             Broker broker = new Broker(dir.resolve("kafka"), out.resolve("broker.log"));
             OutageProxy edw = new OutageProxy(db.port()).up()) {
            db.ensureDatabase("warehouse");
            broker.start();
            try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                List<String> topics = new ArrayList<>(List.of(CALLS, SHIPPING, CUSTOMERS, ORDERS));
                List.of(CALLS, SHIPPING, CUSTOMERS, ORDERS).forEach(t -> topics.add(t + ".dlq"));
                io.tidewater.ops.Topics.ensure(admin, topics, 3, (short) 1);
            }
            String warehouseUrl = db.jdbcUrl("warehouse");
            try (AppProcess app = new AppProcess(dir.resolve("app"))) {
                app.env("TIDEWATER_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap())
                        .env("TIDEWATER_EDW_JDBC_URL", "jdbc:postgresql://localhost:" + edw.port() + "/warehouse")
                        .env("TIDEWATER_EDW_USERNAME", "postgres")
                        .env("TIDEWATER_OPS_PASSWORD", PASSWORD)
                        .env("TIDEWATER_DEMO_ENABLED", "false")
                        .env("TIDEWATER_CAPTURE_ENABLED", "false")
                        .env("TIDEWATER_LOAD_SESSION_TIMEOUT_MS", "6000")
                        .env("TIDEWATER_STARTUP_CHECK_TIMEOUT_MS", "30000");
                app.start();
                awaitReady(app);

                Producer producer = new Producer(broker.bootstrap(), w, length);
                producer.start();
                Map<String, Integer> faults = new LinkedHashMap<>();
                List<String> kinds = new ArrayList<>();
                long end = System.nanoTime() + length.toNanos();
                while (System.nanoTime() < end - TimeUnit.SECONDS.toNanos(10)) {
                    long pause = 3 + random.nextInt(10);
                    TimeUnit.SECONDS.sleep(Math.min(pause, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime()))));
                    if (System.nanoTime() >= end - TimeUnit.SECONDS.toNanos(5)) {
                        break;
                    }
                    if (kinds.isEmpty()) {
                        // Every kind once per round, in a random order.
                        kinds.addAll(List.of("kill -9 app", "cut EDW", "restart broker"));
                        Collections.shuffle(kinds, random);
                    }
                    String kind = kinds.remove(0);
                    switch (kind) {
                        case "kill -9 app" -> {
                            app.kill();
                            app.start();
                            awaitReady(app);
                        }
                        case "cut EDW" -> {
                            edw.down();
                            TimeUnit.SECONDS.sleep(10 + random.nextInt(11));
                            edw.up();
                        }
                        default -> {
                            broker.kill();
                            broker.start();
                        }
                    }
                    faults.merge(kind, 1, Integer::sum);
                    log("fault %d: %s (%,d records produced, %,d loaded)", faults.values().stream().mapToInt(i -> i).sum(), kind,
                            producer.acked(), loaded(warehouseUrl));
                }
                producer.join();
                if (producer.failure != null) {
                    throw new IllegalStateException("producing failed", producer.failure);
                }
                log("all %,d records produced; waiting for the load to finish", total);
                long lastProgress = System.nanoTime();
                long last = -1;
                while (loaded(warehouseUrl) < total) {
                    long now = loaded(warehouseUrl);
                    if (now != last) {
                        last = now;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > TimeUnit.MINUTES.toNanos(3)) {
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(500);
                }
                return verify(warehouseUrl, broker.bootstrap(), w, refused, length, faults, out);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The proportions of the crash test's 200k workload, scaled to the run. */
    static Workload workload(int records) {
        double f = records / 200_000.0;
        return new Workload(4242, (int) (5_000 * f), (int) (20_000 * f), (int) (10_000 * f), (int) (40_000 * f),
                (int) (130_000 * f), (int) (10_000 * f));
    }

    /**
     * Makes about 1% of all records ones the warehouse refuses: calls of known customers get a NUL byte in their agent
     * (valid JSON, valid event, refused by PostgreSQL). They are taken out of the expected warehouse.
     */
    static Set<String> refuseSomeCalls(Workload w) {
        Set<String> refused = new HashSet<>();
        int wanted = w.size() / 100;
        int stride = Math.max(1, w.callRecords.size() / wanted);
        // Spread evenly over the calls: one in every stride, or the next call after it of a known customer.
        for (int i = 0; i < w.callRecords.size() && refused.size() < wanted; i++) {
            String[] r = w.callRecords.get(i);
            String id = r[1].replaceAll(".*\"eventId\":\"([^\"]+)\".*", "$1");
            if (i >= refused.size() * stride && w.customers.containsKey(w.calls.get(id).customerId())) {
                r[1] = r[1].replace("\"agentId\":\"" + Envelopes.AGENT + "\"", "\"agentId\":\"a\\u0000b\"");
                w.calls.remove(id);
                refused.add(r[1]);
            }
        }
        return refused;
    }

    private static Result verify(String warehouseUrl, String bootstrap, Workload w, Set<String> refused, Duration length,
                                 Map<String, Integer> faults, Path out) throws Exception {
        long lost;
        long duplicated;
        String oracle;
        Set<String> deadLetters = new HashSet<>();
        for (ConsumerRecord<String, String> r : readAll(bootstrap, CALLS + ".dlq")) {
            if (r.headers().lastHeader("tidewater.error.sqlstate") != null) {
                deadLetters.add(r.value());
            }
        }
        try (Connection c = DriverManager.getConnection(warehouseUrl, "postgres", "")) {
            Set<String> loaded = new HashSet<>();
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT event_id::text FROM edw.fact_call")) {
                while (rs.next()) {
                    loaded.add(rs.getString(1));
                }
            }
            Set<String> missing = new HashSet<>(w.calls.keySet());
            missing.removeAll(loaded);
            Set<String> undeadLettered = new HashSet<>(refused);
            undeadLettered.removeAll(deadLetters);
            long aggCalls = ExpectedWarehouse.scalar(c, "SELECT coalesce(sum(calls), 0) FROM edw.agg_calls_hourly");
            lost = missing.size() + undeadLettered.size() + Math.max(0, w.size() - loaded(warehouseUrl));
            duplicated = Math.max(0, aggCalls - loaded.size()) + Math.max(0, loaded.size() - w.calls.size() + missing.size());
            try {
                ExpectedWarehouse.verify(c, "edw", w);
                oracle = "OK";
            } catch (AssertionError e) {
                oracle = "MISMATCH: " + e.getMessage().lines().findFirst().orElse("");
            }
        }
        Result result = new Result(length.toSeconds() / 60.0, faults, w.size(), refused.size(), deadLetters.size(), lost,
                duplicated, oracle);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("minutes", result.minutes());
        json.put("faults", result.faultCount());
        json.put("faults_by_kind", faults);
        json.put("events", result.events());
        json.put("refused", result.refused());
        json.put("dead_letters", result.deadLetters());
        json.put("lost", lost);
        json.put("duplicated", duplicated);
        json.put("oracle", oracle);
        Files.writeString(out.resolve("chaos.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        log("%s", result.summary());
        return result;
    }

    /** Records loaded: the sum of the load's positions in etl_offsets (topics start at offset 0). */
    private static long loaded(String warehouseUrl) {
        try (Connection c = DriverManager.getConnection(warehouseUrl, "postgres", "")) {
            return ExpectedWarehouse.scalar(c, "SELECT coalesce(sum(next_offset), 0) FROM edw.etl_offsets WHERE consumer_group = 'tidewater-load'");
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            int empty = 0;
            while (empty < 10) {
                var batch = consumer.poll(Duration.ofMillis(500));
                batch.forEach(out::add);
                empty = batch.isEmpty() ? empty + 1 : 0;
            }
        }
        return out;
    }

    private static void awaitReady(AppProcess app) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> app.get("/observe/health/ready").contains("\"UP\""));
    }

    static void log(String format, Object... args) {
        System.out.printf("%tT chaos: %s%n", System.currentTimeMillis(), String.format(format, args));
    }

    /** Produces the workload's four topics interleaved, paced evenly over the run; survives broker restarts. */
    private static final class Producer extends Thread {
        private final String bootstrap;
        private final Workload w;
        private final Duration length;
        private final AtomicLong acked = new AtomicLong();
        private volatile Exception failure;

        Producer(String bootstrap, Workload w, Duration length) {
            super("chaos-producer");
            setDaemon(true);
            this.bootstrap = bootstrap;
            this.w = w;
            this.length = length;
        }

        long acked() {
            return acked.get();
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000);
            p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
            List<String> topics = List.of(CUSTOMERS, ORDERS, CALLS, SHIPPING);
            List<List<String[]>> lists = List.of(w.customerRecords, w.orderRecords, w.callRecords, w.shippingRecords);
            int total = w.size();
            long start = System.nanoTime();
            long spread = length.toNanos() - TimeUnit.SECONDS.toNanos(15);
            int[] next = new int[4];
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (int sent = 0; sent < total; sent++) {
                    // The list furthest behind its share goes next, so every topic advances at its own even pace.
                    int pick = 0;
                    double behind = Double.MAX_VALUE;
                    for (int i = 0; i < 4; i++) {
                        if (next[i] < lists.get(i).size()) {
                            double share = (double) next[i] / lists.get(i).size();
                            if (share < behind) {
                                behind = share;
                                pick = i;
                            }
                        }
                    }
                    String[] r = lists.get(pick).get(next[pick]++);
                    producer.send(new ProducerRecord<>(topics.get(pick), r[0], r[1]), (m, e) -> {
                        if (e == null) {
                            acked.incrementAndGet();
                        } else if (failure == null) {
                            failure = e;
                        }
                    });
                    long due = start + spread * (sent + 1L) / total;
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                producer.flush();
            } catch (Exception e) {
                failure = e;
            }
        }
    }

    /** The Kafka broker as a child process (BrokerProcess) on fixed ports and a log directory that outlives it. */
    private static final class Broker implements AutoCloseable {
        private final Path data;
        private final Path log;
        private final int port = FreePorts.next();
        private final int controllerPort = FreePorts.next();
        private Process process;

        Broker(Path data, Path log) throws java.io.IOException {
            this.data = data;
            this.log = log;
            Files.deleteIfExists(log);
        }

        String bootstrap() {
            return "localhost:" + port;
        }

        void start() throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), BrokerProcess.class.getName(),
                    data.toString(), String.valueOf(port), String.valueOf(controllerPort), "3")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            int before = started;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited; see " + log);
                }
                // The log is appended to by every start: this start is ready once it has printed its own line.
                return Files.readString(log, StandardCharsets.UTF_8).split("BROKER READY", -1).length - 1 > before && accepts();
            });
            started++;
        }

        /** How many times the broker has started (and said so in its log). */
        private int started;

        private boolean accepts() {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("localhost", port), 500);
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        /** kill -9: no shutdown, as a crash. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
