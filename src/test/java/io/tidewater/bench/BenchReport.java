package io.tidewater.bench;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

import io.tidewater.bench.LoadBench.Kind;
import io.tidewater.bench.LoadBench.Latency;
import io.tidewater.bench.LoadBench.PeerConfig;
import io.tidewater.bench.LoadBench.Run;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The load benchmark's figures: result.json's fields, result.md's tables and result.png's chart. */
final class BenchReport {

    private BenchReport() {
    }

    static Map<String, Object> result(BenchWorkload.Counts counts, Map<Kind, List<Run>> runs, List<Latency> latencies,
                                      PeerConfig peer, List<Map<String, Object>> sweep, int latencySeconds) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("events", counts.total());
        r.put("rounds", runs.get(Kind.TIDEWATER).size());
        r.put("tidewater_eps", Math.round(median(eps(runs, Kind.TIDEWATER))));
        r.put("baseline_eps", Math.round(median(eps(runs, Kind.BASELINE))));
        r.put("peer_eps", Math.round(median(eps(runs, Kind.PEER))));
        r.put("peer_config", peer.json());
        List<Double> ratioBaseline = ratios(runs, Kind.TIDEWATER, Kind.BASELINE);
        List<Double> ratioPeer = ratios(runs, Kind.TIDEWATER, Kind.PEER);
        List<Double> ratioMirror = ratios(runs, Kind.TIDEWATER_MIRROR, Kind.PEER_MIRROR);
        r.put("ratio_baseline", round2(median(ratioBaseline)));
        r.put("ratio_baseline_spread", spread(ratioBaseline));
        r.put("ratio_peer", round2(median(ratioPeer)));
        r.put("ratio_peer_spread", spread(ratioPeer));
        r.put("mirror_events", counts.changes());
        r.put("mirror_eps", Math.round(median(eps(runs, Kind.TIDEWATER_MIRROR))));
        r.put("peer_mirror_eps", Math.round(median(eps(runs, Kind.PEER_MIRROR))));
        r.put("ratio_mirror_peer", round2(median(ratioMirror)));
        r.put("ratio_mirror_peer_spread", spread(ratioMirror));
        for (Latency l : latencies) {
            String prefix = switch (l.kind()) {
                case TIDEWATER -> "";
                case BASELINE -> "baseline_";
                default -> "peer_";
            };
            r.put(prefix + "p50_ms", round1(l.p50()));
            r.put(prefix + "p99_ms", round1(l.p99()));
            r.put(prefix + "p999_ms", round1(l.p999()));
            r.put(prefix + "max_ms", round1(l.max()));
        }
        r.put("heap_mb", Math.round(max(runs, Kind.TIDEWATER, Run::heapMb)));
        r.put("mirror_heap_mb", Math.round(max(runs, Kind.TIDEWATER_MIRROR, Run::heapMb)));
        r.put("baseline_heap_mb", Math.round(max(runs, Kind.BASELINE, Run::heapMb)));
        r.put("peer_heap_mb", Math.round(max(runs, Kind.PEER, Run::heapMb)));
        r.put("rss_mb", Math.round(max(runs, Kind.TIDEWATER, Run::rssMb)));
        // The CPU budget, per million of each contestant's events (medians of the rounds): its process's CPU, the
        // warehouse's statement time in its database, and the broker's CPU while it ran.
        for (Kind k : Kind.values()) {
            String key = k.key.replace('-', '_');
            r.put(key + "_cpu_s", round2(perMillion(runs, k, Run::cpuSeconds)));
            r.put(key + "_warehouse_s", round2(perMillion(runs, k, Run::warehouseSeconds)));
            r.put(key + "_broker_cpu_s", round2(perMillion(runs, k, Run::brokerCpuSeconds)));
        }
        Map<String, Object> perRound = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            perRound.put(k.key.replace('-', '_'), eps(runs, k).stream().map(Math::round).toList());
        }
        r.put("eps_per_round", perRound);
        r.put("peer_sweep", sweep);
        r.put("latency_rate_eps", 5000);
        r.put("latency_seconds", latencySeconds);
        return r;
    }

    static String table(Map<String, Object> r, Map<Kind, List<Run>> runs, List<Latency> latencies, List<Map<String, Object>> sweep,
                        List<List<Kind>> orders, int customers) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Load benchmark: %,d events (70%% calls, 20%% order CDC, 10%% customer CDC, %,d customers),"
                + " %s rounds, %s cores. Rates from each contestant's first to its last commit.%n%n", (Long) r.get("events"), customers,
                r.get("rounds"), r.get("cores")));
        sb.append("Peer sweep (Kafka Connect + Debezium JDBC sink on a slice of its own: every poll and batch size, the batch up to the poll, with and without the reduction buffer, with the buffer also with the unnest insert; then the tasks of the best):\n\n"
                + "| consumer.max.poll.records | batch.size | use.reduction.buffer | dialect.postgres.unnest.insert.enabled | tasks.max | events/s |\n"
                + "|---:|---:|---|---|---:|---:|\n");
        for (Map<String, Object> s : sweep) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %,d |%n", s.get("consumer.max.poll.records"), s.get("batch.size"),
                    s.get("use.reduction.buffer"), s.get("dialect.postgres.unnest.insert.enabled"), s.get("tasks.max"), (Long) s.get("eps")));
        }
        sb.append("\nBest, used from then on: ").append(r.get("peer_config")).append("\n\n");
        sb.append("| round | order | Tidewater | baseline | peer | Tidewater / baseline | Tidewater / peer | Tidewater mirror | peer mirror | mirror / peer |\n"
                + "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < orders.size(); i++) {
            double tw = runs.get(Kind.TIDEWATER).get(i).eps();
            double base = runs.get(Kind.BASELINE).get(i).eps();
            double peer = runs.get(Kind.PEER).get(i).eps();
            double mirror = runs.get(Kind.TIDEWATER_MIRROR).get(i).eps();
            double peerMirror = runs.get(Kind.PEER_MIRROR).get(i).eps();
            sb.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %,.0f | %,.0f | %.2f |%n", i + 1,
                    String.join(", ", orders.get(i).stream().map(k -> k.key).toList()), tw, base, peer, tw / base, tw / peer, mirror,
                    peerMirror, mirror / peerMirror));
        }
        sb.append("\n| contestant | median events/s | peak heap MB | peak RSS MB | process CPU s (median) | machine busy (median) |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        for (Kind k : Kind.values()) {
            List<Run> rs = runs.get(k);
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f | %.0f | %.0f | %.1f | %.0f%% |%n", k.title, median(eps(runs, k)),
                    max(runs, k, Run::heapMb), max(runs, k, Run::rssMb), median(rs.stream().map(Run::cpuSeconds).toList()),
                    median(rs.stream().map(Run::machineBusy).toList()) * 100));
        }
        sb.append(budget(runs));
        sb.append("\nEnd-to-end latency at 5,000 events/s (send to the warehouse's commit, every event, HdrHistogram):\n\n"
                + "| contestant | events | p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
        for (Latency l : latencies) {
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.1f | %.1f |%n", l.kind().title, l.events(), l.p50(), l.p99(),
                    l.p999(), l.max()));
        }
        sb.append(String.format(Locale.ROOT, "%n| figure (median of rounds) | value | spread | target |%n|---|---:|---|---|%n"
                        + "| Tidewater / baseline | %s | %s | >= 1.2 |%n"
                        + "| Tidewater / peer at its best (%s) | %s | %s | >= 2 |%n"
                        + "| Tidewater mirror / peer (same work) | %s | %s | >= 2.5 |%n"
                        + "| Tidewater process CPU s per 1M events | %s | | <= the baseline's %s |%n"
                        + "| Tidewater warehouse statement s per 1M events | %s | | <= 30 |%n"
                        + "| Tidewater p99 at 5,000 events/s | %s ms | | below the peer's %s ms, <= 2 x the baseline's %s ms |%n"
                        + "| Tidewater peak heap | %s MB | | <= 512 |%n",
                r.get("ratio_baseline"), r.get("ratio_baseline_spread"), r.get("peer_release"), r.get("ratio_peer"), r.get("ratio_peer_spread"),
                r.get("ratio_mirror_peer"), r.get("ratio_mirror_peer_spread"), r.get("tidewater_cpu_s"), r.get("baseline_cpu_s"),
                r.get("tidewater_warehouse_s"), r.get("p99_ms"), r.get("peer_p99_ms"), r.get("baseline_p99_ms"), r.get("heap_mb")));
        if (r.containsKey("growth_ratio")) {
            sb.append(String.format(Locale.ROOT, "| growth ratio, last 10%% / middle 10%% (from --growth) | %s | | >= 0.9 |%n"
                    + "| replay (from --growth) | %s events/s | | >= 80,000 |%n", r.get("growth_middle_ratio"), r.get("replay_eps")));
        }
        return sb.toString();
    }

    /**
     * The CPU budget per million events of each contestant (medians of the rounds): where the time went, in the
     * contestant's process, in the warehouse's statements and in the broker.
     */
    static String budget(Map<Kind, List<Run>> runs) {
        StringBuilder sb = new StringBuilder("\nCPU budget per million events (medians of the rounds; the mirror pair per million of the"
                + " captured changes they load):\n\n| contestant | process CPU s | warehouse statement s (pg_stat_statements) | broker CPU s"
                + " | total s |\n|---|---:|---:|---:|---:|\n");
        for (Kind k : Kind.values()) {
            if (!runs.containsKey(k)) {
                continue;
            }
            double cpu = perMillion(runs, k, Run::cpuSeconds);
            double warehouse = perMillion(runs, k, Run::warehouseSeconds);
            double broker = perMillion(runs, k, Run::brokerCpuSeconds);
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", k.title, cpu, warehouse, broker, cpu + warehouse + broker));
        }
        return sb.toString();
    }

    private static double perMillion(Map<Kind, List<Run>> runs, Kind k, ToDoubleFunction<Run> f) {
        return median(runs.get(k).stream().map(r -> r.perMillion(f.applyAsDouble(r))).toList());
    }

    /** One round of the given contestants (--only): their rates, their CPU budget, and the latency of the star ones. */
    static String only(Map<Kind, List<Run>> runs, List<Latency> latencies) {
        StringBuilder sb = new StringBuilder("| contestant | events | events/s | peak heap MB | machine busy |\n|---|---:|---:|---:|---:|\n");
        runs.forEach((k, rs) -> rs.forEach(run -> sb.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %d | %.0f%% |%n", k.title,
                run.events(), run.eps(), run.heapMb(), run.machineBusy() * 100))));
        sb.append(budget(runs));
        if (!latencies.isEmpty()) {
            sb.append("\n| contestant | events | p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
            for (Latency l : latencies) {
                sb.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.1f | %.1f |%n", l.kind().title, l.events(), l.p50(),
                        l.p99(), l.p999(), l.max()));
            }
        }
        return sb.toString();
    }

    /** Throughput over time of every contestant (its last round), and the latency percentiles of the three. */
    static void chart(Path file, Map<Kind, List<Run>> runs, List<Latency> latencies) throws IOException {
        XYSeriesCollection series = new XYSeriesCollection();
        for (Kind k : Kind.values()) {
            List<Run> rs = runs.get(k);
            series.addSeries(curve(k.title, rs.get(rs.size() - 1)));
        }
        JFreeChart throughput = ChartFactory.createXYLineChart("Throughput (last round; mirrors load the 30% that is CDC)",
                "seconds since start", "events/s", series);
        DefaultCategoryDataset lat = new DefaultCategoryDataset();
        for (Latency l : latencies) {
            lat.addValue(l.p50(), l.kind().title, "p50");
            lat.addValue(l.p99(), l.kind().title, "p99");
            lat.addValue(l.p999(), l.kind().title, "p99.9");
            lat.addValue(l.max(), l.kind().title, "max");
        }
        JFreeChart latencyChart = ChartFactory.createBarChart("End-to-end latency at 5,000 events/s", "percentile", "ms", lat);
        draw(file, throughput, latencyChart);
    }

    static void growthChart(Path file, Run run) throws IOException {
        XYSeriesCollection series = new XYSeriesCollection();
        series.addSeries(curve(run.kind().title, run));
        draw(file, ChartFactory.createXYLineChart("Throughput as the warehouse grows", "seconds since start", "events/s", series), null);
    }

    private static void draw(Path file, JFreeChart top, JFreeChart bottom) throws IOException {
        int height = bottom == null ? 550 : 950;
        BufferedImage image = new BufferedImage(1100, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        top.draw(g, new Rectangle2D.Double(0, 0, 1100, 550));
        if (bottom != null) {
            bottom.draw(g, new Rectangle2D.Double(0, 550, 1100, 400));
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    /** Events/s over a sliding two seconds of the position samples (the peer commits its offsets once a second). */
    private static XYSeries curve(String name, Run run) {
        XYSeries s = new XYSeries(name);
        List<double[]> p = run.progress();
        int from = 0;
        for (int i = 1; i < p.size(); i++) {
            while (from < i && p.get(i)[0] - p.get(from)[0] > 2.0) {
                from++;
            }
            int j = Math.max(0, from - 1);
            if (p.get(i)[0] > p.get(j)[0] && p.get(i)[1] > 0) {
                s.add(p.get(i)[0], (p.get(i)[1] - p.get(j)[1]) / (p.get(i)[0] - p.get(j)[0]));
            }
        }
        return s;
    }

    /**
     * The rate of the last 10% of the events over the rate of the first 10%, from the position samples: the first 10%
     * from the last sample with nothing loaded yet, each point interpolated between samples.
     */
    static double growthRatio(List<double[]> progress, long total) {
        double start = progress.stream().filter(p -> p[1] <= 0).mapToDouble(p -> p[0]).max().orElse(progress.get(0)[0]);
        double tenth = total * 0.1;
        double rateFirst = tenth / (timeAt(progress, tenth) - start);
        double rateLast = tenth / (timeAt(progress, total) - timeAt(progress, total - tenth));
        return rateLast / rateFirst;
    }

    /** The rate of the last 10% of the events over the rate of the middle 10% (from 45% to 55% of them). */
    static double middleGrowthRatio(List<double[]> progress, long total) {
        double tenth = total * 0.1;
        double rateMiddle = tenth / (timeAt(progress, total * 0.55) - timeAt(progress, total * 0.45));
        double rateLast = tenth / (timeAt(progress, total) - timeAt(progress, total - tenth));
        return rateLast / rateMiddle;
    }

    /** When the samples first reached {@code n} events, interpolated linearly. */
    static double timeAt(List<double[]> progress, double n) {
        for (int i = 1; i < progress.size(); i++) {
            double[] a = progress.get(i - 1);
            double[] b = progress.get(i);
            if (b[1] >= n) {
                return b[1] == a[1] ? b[0] : a[0] + (b[0] - a[0]) * (n - a[1]) / (b[1] - a[1]);
            }
        }
        throw new IllegalArgumentException("never reached " + n);
    }

    static String growthTable(Map<String, Object> g, Run run) {
        return String.format(Locale.ROOT, "Growth: Tidewater alone, %,d events, %.1f s first to last commit, peak heap %d MB.%n%n"
                        + "| figure | value | target |%n|---|---:|---|%n| events/s overall | %,d | |%n"
                        + "| growth ratio (last 10%% / first 10%%) | %s | |%n| growth ratio (last 10%% / the middle 10%%) | %s | >= 0.9 |%n"
                        + "| live replay of %,d calls | %,d events/s | >= 80,000 |%n",
                (Long) g.get("growth_events"), run.seconds(), run.heapMb(), (Long) g.get("growth_tidewater_eps"), g.get("growth_ratio"),
                g.get("growth_middle_ratio"),
                (Long) g.get("replay_calls"), (Long) g.get("replay_eps"));
    }

    private static List<Double> eps(Map<Kind, List<Run>> runs, Kind k) {
        return runs.get(k).stream().map(Run::eps).toList();
    }

    private static List<Double> ratios(Map<Kind, List<Run>> runs, Kind a, Kind b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < runs.get(a).size(); i++) {
            r.add(runs.get(a).get(i).eps() / runs.get(b).get(i).eps());
        }
        return r;
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(Double::compare);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static List<Double> spread(List<Double> values) {
        return List.of(round2(values.stream().mapToDouble(Double::doubleValue).min().orElse(0)),
                round2(values.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    }

    private static double max(Map<Kind, List<Run>> runs, Kind k, ToDoubleFunction<Run> f) {
        return runs.get(k).stream().mapToDouble(f).max().orElse(0);
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
