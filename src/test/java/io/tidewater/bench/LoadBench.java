package io.tidewater.bench;

import static org.awaitility.Awaitility.await;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidewater.embedded.EmbeddedDatabase;
import io.tidewater.embedded.EmbeddedKafka;
import io.tidewater.embedded.FreePorts;
import io.tidewater.warehouse.DataSources;
import io.tidewater.warehouse.Migrations;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.json.JsonConverter;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * End-to-end load benchmark, one run, three contestants on the same preloaded topics, each in its own JVM with the
 * machine to itself: Tidewater's load role (the packaged jar, external mode), the hand-written baseline
 * ({@link BaselineLoader}) and Kafka Connect standalone with the Debezium JDBC sink (upsert, no enrichment).
 * Then Tidewater's end-to-end latency at a fixed 5,000 events/s. Writes result.json, result.md and result.png.
 *
 * <p>Usage: LoadBench events outDir peerClasspathFile [latencySeconds]
 */
public final class LoadBench {

    private static final Pattern BUCKET = Pattern.compile(
            "^tidewater_e2e_latency_seconds_bucket\\{route=\"events-calls\",le=\"([^\"]+)\"} (\\S+)$", Pattern.MULTILINE);
    private static final int CUSTOMERS = 100_000;

    /** One contestant's run: events/s, peak heap and RSS, and loaded events over time (seconds, events). */
    /** cpuSeconds: the contestant's process; machineBusy: share of all cores busy meanwhile (PostgreSQL and Kafka too). */
    record Run(String name, double eps, double seconds, long heapMb, long rssMb, double cpuSeconds, double machineBusy,
               List<double[]> progress) {
    }

    /** Every contestant process this run started. */
    private static final List<Process> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LoadBench() {
    }

    public static void main(String[] args) throws Exception {
        long events = Long.parseLong(args[0]);
        Path out = Path.of(args[1]);
        String peerClasspath = Files.readString(Path.of(args[2])).strip();
        int latencySeconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        Map<String, Object> result = run(events, out, peerClasspath, latencySeconds);
        System.out.println(Files.readString(out.resolve("result.md")));
        System.exit(result.isEmpty() ? 1 : 0);
    }

    public static Map<String, Object> run(long events, Path out, String peerClasspath, int latencySeconds) throws Exception {
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("tidewater-loadbench-");
        try (EmbeddedDatabase db = new EmbeddedDatabase(dir.resolve("pg"), 0)
                .withServerConfig("shared_preload_libraries", "pg_stat_statements").start();
             EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0, 0, 3).start();
             Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            db.ensureDatabase("warehouse");
            db.ensureDatabase("peer");
            statements(db.jdbcUrl("warehouse"), null);
            for (String schema : List.of("tw", "baseline")) {
                try (var ds = DataSources.pooled(schema, db.jdbcUrl("warehouse"), "postgres", null, schema, 2)) {
                    Migrations.warehouse(ds, schema);
                }
            }
            List<String> topics = List.of(BenchWorkload.CALLS, BenchWorkload.CUSTOMERS, BenchWorkload.ORDERS,
                    "events.shipping");
            List<String> all = new ArrayList<>(topics);
            topics.forEach(t -> all.add(t + ".dlq"));
            io.tidewater.ops.Topics.ensure(admin, all, 3, (short) 1);
            long t0 = System.nanoTime();
            BenchWorkload.Counts counts = BenchWorkload.produce(kafka.bootstrapServers(), events, CUSTOMERS, 42);
            log("preloaded %,d events (%,d calls, %,d orders, %,d customers) in %.1f s", counts.total(), counts.calls(),
                    counts.orders(), counts.customers(), (System.nanoTime() - t0) / 1e9);

            String warehouseUrl = db.jdbcUrl("warehouse");
            // 1. Tidewater's load role.
            Path app = dir.resolve("tidewater");
            int mgmt = FreePorts.next();
            settle(db);
            Process tidewater = startTidewater(app, out.resolve("tidewater.log"), kafka.bootstrapServers(), warehouseUrl, mgmt);
            Run tw = measure("Tidewater", tidewater, out.resolve("tidewater.log"), counts.total(), () -> positions(warehouseUrl, "tw", "bench-load"));
            stop(tidewater);
            statements(warehouseUrl, out.resolve("tidewater-statements.txt"));

            // 2. The hand-written baseline.
            settle(db);
            Process baseline = java(out.resolve("baseline.log"), System.getProperty("java.class.path"),
                    BaselineLoader.class.getName(), kafka.bootstrapServers(), warehouseUrl, "baseline", "baseline-load");
            Run base = measure("Baseline", baseline, out.resolve("baseline.log"), counts.total(), () -> positions(warehouseUrl, "baseline", "baseline-load"));
            stop(baseline);
            statements(warehouseUrl, out.resolve("baseline-statements.txt"));

            // 3. Kafka Connect standalone with the Debezium JDBC sink.
            settle(db);
            Path connect = writeConnectConfig(dir.resolve("connect"), kafka.bootstrapServers(), db.jdbcUrl("peer"));
            Process peer = java(out.resolve("connect.log"), peerClasspath, "org.apache.kafka.connect.cli.ConnectStandalone",
                    connect.resolve("worker.properties").toString(), connect.resolve("calls.properties").toString(),
                    connect.resolve("cdc.properties").toString());
            Run con = measure("Kafka Connect + Debezium JDBC sink", peer, out.resolve("connect.log"), counts.total(),
                    () -> committed(admin, List.of("connect-bench-calls", "connect-bench-cdc")));
            stop(peer);
            statements(warehouseUrl, out.resolve("connect-statements.txt"));

            // 4. Tidewater again, on the same EDW, for its end-to-end latency at a fixed rate (the other contestants have
            // stopped, so the extra calls are Tidewater's alone).
            settle(db);
            tidewater = startTidewater(app, out.resolve("tidewater-latency.log"), kafka.bootstrapServers(), warehouseUrl, mgmt);
            awaitHealthy(mgmt, tidewater);
            double[] latency = latency(kafka.bootstrapServers(), mgmt, latencySeconds);
            stop(tidewater);

            // Every contestant wrote the rows (not only moved its offsets).
            long twCalls = count(warehouseUrl, "SELECT count(*) FROM tw.fact_call WHERE event_id::text NOT LIKE '00000000-0000-0063-%'");
            long baseCalls = count(warehouseUrl, "SELECT count(*) FROM baseline.fact_call");
            long peerCalls = count(db.jdbcUrl("peer"), "SELECT count(*) FROM peer_calls");
            log("fact_call rows: Tidewater %,d, baseline %,d; peer_calls rows: %,d (of %,d calls)", twCalls, baseCalls, peerCalls, counts.calls());
            if (twCalls != counts.calls() || baseCalls != counts.calls() || peerCalls != counts.calls()) {
                throw new IllegalStateException("a contestant did not load every call");
            }

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("events", counts.total());
            result.put("tidewater_eps", round(tw.eps()));
            result.put("baseline_eps", round(base.eps()));
            result.put("peer_eps", round(con.eps()));
            result.put("ratio_baseline", round2(tw.eps() / base.eps()));
            result.put("ratio_peer", round2(tw.eps() / con.eps()));
            result.put("p50_ms", round(latency[0]));
            result.put("p99_ms", round(latency[1]));
            result.put("heap_mb", tw.heapMb());
            result.put("rss_mb", tw.rssMb());
            result.put("baseline_heap_mb", base.heapMb());
            result.put("baseline_rss_mb", base.rssMb());
            result.put("peer_heap_mb", con.heapMb());
            result.put("peer_rss_mb", con.rssMb());
            result.put("tidewater_cpu_s", round2(tw.cpuSeconds()));
            result.put("baseline_cpu_s", round2(base.cpuSeconds()));
            result.put("peer_cpu_s", round2(con.cpuSeconds()));
            result.put("latency_rate_eps", 5000);
            result.put("latency_seconds", latencySeconds);
            result.put("cores", Runtime.getRuntime().availableProcessors());
            Files.writeString(out.resolve("result.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
            Files.writeString(out.resolve("result.md"), table(result, List.of(tw, base, con)));
            chart(out.resolve("result.png"), List.of(tw, base, con), latency);
            return result;
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

    private static Process startTidewater(Path app, Path logFile, String bootstrap, String warehouseUrl, int mgmt) throws IOException {
        Files.createDirectories(app.resolve("routes"));
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path r : routes.toList()) {
                Files.copy(r, app.resolve("routes").resolve(r.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("application.properties")));
        Map<String, String> overrides = Map.of("tidewater.kafka.bootstrap-servers", bootstrap, "tidewater.edw.jdbc-url", warehouseUrl,
                "tidewater.edw.username", "postgres", "tidewater.edw.schema", "tw", "tidewater.capture.enabled", "false",
                "tidewater.demo.enabled", "false", "tidewater.load.group-id", "bench-load", "camel.management.port", String.valueOf(mgmt));
        lines.removeIf(l -> overrides.keySet().stream().anyMatch(k -> l.startsWith(k + "=")));
        overrides.forEach((k, v) -> lines.add(k + "=" + v));
        Files.write(app.resolve("application.properties"), lines);
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", gcLogOption(logFile)));
        // TIDEWATER_BENCH_JFR=1 records a JFR profile of Tidewater next to its log (for finding hotspots); any other value
        // names the JFR settings to record with (a .jfc file, e.g. with zero thresholds to account for every wait).
        String jfr = System.getenv("TIDEWATER_BENCH_JFR");
        if (jfr != null && !jfr.isBlank()) {
            cmd.add("-XX:StartFlightRecording=settings=" + ("1".equals(jfr) ? "profile" : jfr) + ",filename=" + logFile.resolveSibling(
                    logFile.getFileName().toString().replace(".log", ".jfr")).toAbsolutePath());
        }
        cmd.addAll(List.of("-jar", Path.of("target/tidewater.jar").toAbsolutePath().toString(), "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(app.toFile()).redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().put("TIDEWATER_OPS_PASSWORD", UUID.randomUUID().toString());
        Process p = pb.start();
        STARTED.add(p);
        return p;
    }

    private static void awaitHealthy(int mgmt, Process p) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> !p.isAlive() || ready(mgmt));
        if (!p.isAlive()) {
            throw new IllegalStateException("Tidewater stopped before it became ready");
        }
    }

    private static boolean ready(int mgmt) throws InterruptedException {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + mgmt + "/observe/health/ready"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static Process java(Path logFile, String classpath, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", gcLogOption(logFile), "-cp", classpath, main));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        STARTED.add(p);
        return p;
    }

    /**
     * Each contestant logs its garbage collections, from which its peak heap is read afterwards: nothing is launched or
     * attached while it runs.
     */
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

    /** Samples progress every half second until all events are loaded; the peak heap comes from the GC log after. */
    private static Run measure(String name, Process p, Path logFile, long total, LongSupplier loaded) {
        List<double[]> progress = new ArrayList<>();
        long start = System.nanoTime();
        long[] first = {-1};
        double[] cpu0 = {0};
        long[][] machine0 = {null};
        long[] last = {0};
        await().atMost(Duration.ofMinutes(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500)).until(() -> {
            long n = loaded.getAsLong();
            long now = System.nanoTime();
            if (n > 0 && first[0] < 0) {
                first[0] = now;
                cpu0[0] = cpuSeconds(p);
                machine0[0] = machineJiffies();
            }
            progress.add(new double[] {(now - start) / 1e9, Math.max(0, n)});
            last[0] = n;
            return n >= total || !p.isAlive();
        });
        if (last[0] < total) {
            throw new IllegalStateException(name + " stopped at " + last[0] + " of " + total + " events");
        }
        long rss = rssPeakKb(p.pid());
        double cpu = cpuSeconds(p) - cpu0[0];
        long[] machine = machineJiffies();
        double busy = (double) (machine[0] - machine0[0][0]) / Math.max(1, machine[1] - machine0[0][1]);
        double seconds = (System.nanoTime() - first[0]) / 1e9;
        Run run = new Run(name, total / seconds, seconds, heapPeakKb(gcLog(logFile)) / 1024, rss / 1024, cpu, busy, progress);
        log("%s: %,d events in %.1f s = %,.0f events/s; peak heap %d MB, peak RSS %d MB; %.1f CPU s, machine %.0f%% busy", name,
                total, seconds, run.eps(), run.heapMb(), run.rssMb(), cpu, busy * 100);
        return run;
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
    private static long positions(String url, String schema, String group) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(next_offset), 0) FROM " + schema + ".etl_offsets WHERE consumer_group = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Where PostgreSQL spent its time: the statements with the most execution time since the last call (from
     * pg_stat_statements, every database), written to file; then the statistics are reset. With no file, only resets.
     */
    /**
     * Before each contestant: a checkpoint, so no contestant pays for writing out the pages the one before it dirtied,
     * and VACUUM ANALYZE of both databases, so each starts with fresh statistics and no dead rows of another.
     */
    private static void settle(EmbeddedDatabase db) throws Exception {
        long t0 = System.nanoTime();
        for (String database : List.of("warehouse", "peer")) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), "postgres", ""); Statement st = c.createStatement()) {
                st.execute("VACUUM ANALYZE");
                st.execute("CHECKPOINT");
            }
        }
        log("settled (VACUUM ANALYZE, CHECKPOINT) in %.1f s", (System.nanoTime() - t0) / 1e9);
    }

    private static void statements(String url, Path file) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
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

    /** Events Kafka Connect has committed for its sink groups. */
    private static long committed(Admin admin, List<String> groups) {
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

    /** Produces calls at 5,000/s for the given seconds; returns p50 and p99 (ms) from Tidewater's latency histogram. */
    private static double[] latency(String bootstrap, int mgmt, int seconds) throws Exception {
        // A warm-up at the same rate first (a just-started JVM is still compiling), not counted.
        paced(bootstrap, Math.max(3, seconds / 3), 1_000_000);
        // The warm-up's events are all loaded once the histogram stops moving.
        java.util.concurrent.atomic.AtomicReference<Map<Double, Double>> seen = new java.util.concurrent.atomic.AtomicReference<>(buckets(mgmt));
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(1)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Map<Double, Double> now = buckets(mgmt);
            return now.equals(seen.getAndSet(now));
        });
        Map<Double, Double> before = buckets(mgmt);
        long sent = paced(bootstrap, seconds, 0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> buckets(mgmt)
                .getOrDefault(Double.POSITIVE_INFINITY, 0.0) - before.getOrDefault(Double.POSITIVE_INFINITY, 0.0) >= sent);
        Map<Double, Double> after = buckets(mgmt);
        Map<Double, Double> delta = new TreeMap<>();
        for (Map.Entry<Double, Double> e : after.entrySet()) {
            delta.put(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0));
        }
        double[] r = {quantile(delta, 0.50) * 1000, quantile(delta, 0.99) * 1000};
        log("latency at 5,000 events/s for %d s (%,d calls, after a warm-up): p50 %.0f ms, p99 %.0f ms", seconds, sent, r[0], r[1]);
        return r;
    }

    /** Sends call events at 5,000/s for the given seconds, event ids from {@code firstId}; returns how many. */
    private static long paced(String bootstrap, int seconds, long firstId) throws Exception {
        var p = new java.util.Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        JsonConverter json = BenchWorkload.converter();
        Random rnd = new Random(7 + firstId);
        long total = 5000L * seconds;
        long[] sent = {0};
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ScheduledExecutorService clock = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            long start = System.nanoTime();
            // Every 10 ms, whatever the rate says is due by now.
            clock.scheduleAtFixedRate(() -> {
                long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * 5000));
                while (sent[0] < due) {
                    producer.send(BenchWorkload.call(json, rnd, new UUID(99, firstId + sent[0]), Instant.now(), CUSTOMERS));
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

    private static Map<Double, Double> buckets(int mgmt) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + mgmt + "/observe/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<Double, Double> m = new TreeMap<>();
        Matcher matcher = BUCKET.matcher(body);
        while (matcher.find()) {
            m.put(matcher.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(matcher.group(1)),
                    Double.parseDouble(matcher.group(2)));
        }
        return m;
    }

    /** The q-quantile of a cumulative histogram, interpolated linearly within its bucket. */
    static double quantile(Map<Double, Double> cumulative, double q) {
        double total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = e.getValue() - lowerCount;
                return inBucket <= 0 ? e.getKey() : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }

    private static Path writeConnectConfig(Path dir, String bootstrap, String jdbcUrl) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("worker.properties"), String.join("\n",
                "bootstrap.servers=" + bootstrap,
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable=true",
                "offset.storage.file.filename=" + dir.resolve("offsets"),
                "offset.flush.interval.ms=1000",
                "consumer.max.poll.records=500",
                "consumer.auto.offset.reset=earliest",
                "") );
        String common = String.join("\n",
                "connector.class=io.debezium.connector.jdbc.JdbcSinkConnector",
                "tasks.max=1",
                "connection.url=" + jdbcUrl,
                "connection.username=postgres",
                "connection.password=",
                "insert.mode=upsert",
                "primary.key.mode=record_value",
                "schema.evolution=basic",
                "batch.size=500",
                "transforms=route",
                "transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex=.*\\\\.([a-z]+)$",
                "transforms.route.replacement=peer_$1",
                "");
        Files.writeString(dir.resolve("calls.properties"), common + String.join("\n", "name=bench-calls",
                "topics=" + BenchWorkload.CALLS, "primary.key.fields=eventId", ""));
        Files.writeString(dir.resolve("cdc.properties"), common + String.join("\n", "name=bench-cdc",
                "topics=" + BenchWorkload.CUSTOMERS + "," + BenchWorkload.ORDERS, "primary.key.fields=id", ""));
        return dir;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String table(Map<String, Object> r, List<Run> runs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Load benchmark: %,d events (70%% calls, 20%% order CDC, 10%% customer CDC, %,d customers), %s cores%n%n",
                (Long) r.get("events"), CUSTOMERS, r.get("cores")));
        sb.append("| contestant | events/s | seconds | peak heap MB | peak RSS MB | process CPU s | machine busy |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (Run run : runs) {
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f | %d | %d | %.1f | %.0f%% |%n", run.name(), run.eps(), run.seconds(),
                    run.heapMb(), run.rssMb(), run.cpuSeconds(), run.machineBusy() * 100));
        }
        sb.append(String.format(Locale.ROOT, "%n| figure | value | target |%n|---|---:|---|%n"
                        + "| Tidewater / baseline | %s | >= 1.0 |%n| Tidewater / peer | %s | >= 2 |%n"
                        + "| p50 latency at 5,000 events/s | %s ms | |%n| p99 latency at 5,000 events/s | %s ms | <= 100 |%n"
                        + "| Tidewater peak heap | %s MB | <= 512 |%n",
                r.get("ratio_baseline"), r.get("ratio_peer"), r.get("p50_ms"), r.get("p99_ms"), r.get("heap_mb")));
        return sb.toString();
    }

    private static void chart(Path file, List<Run> runs, double[] latency) throws IOException {
        XYSeriesCollection series = new XYSeriesCollection();
        for (Run run : runs) {
            XYSeries s = new XYSeries(run.name());
            double[] prev = null;
            for (double[] point : run.progress()) {
                if (prev != null && point[0] > prev[0]) {
                    s.add(point[0], (point[1] - prev[1]) / (point[0] - prev[0]));
                }
                prev = point;
            }
            series.addSeries(s);
        }
        JFreeChart throughput = ChartFactory.createXYLineChart("Throughput", "seconds since start", "events/s", series);
        DefaultCategoryDataset lat = new DefaultCategoryDataset();
        lat.addValue(latency[0], "Tidewater", "p50");
        lat.addValue(latency[1], "Tidewater", "p99");
        JFreeChart latencyChart = ChartFactory.createBarChart("End-to-end latency at 5,000 events/s", "percentile", "ms", lat);
        BufferedImage image = new BufferedImage(1000, 900, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        throughput.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 1000, 550));
        latencyChart.draw(g, new java.awt.geom.Rectangle2D.Double(0, 550, 1000, 350));
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static double round(double v) {
        return Math.round(v);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void log(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }
}
