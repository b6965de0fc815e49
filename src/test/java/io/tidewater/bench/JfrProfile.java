package io.tidewater.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a recorded process spent its CPU: the execution samples of a JFR recording, by the code at the top of the stack
 * (self), by every method on the stack (total), and by who the top frame belongs to (Kafka's client, Camel, Jackson, the
 * PostgreSQL driver, Tidewater, the JDK). Prints markdown tables.
 *
 * <p>Usage: JfrProfile recording.jfr [top]   (bench/profile.sh)
 */
public final class JfrProfile {

    /** Owners of a frame, by package prefix; the first match wins. */
    private static final Map<String, String> OWNERS = new LinkedHashMap<>();

    static {
        OWNERS.put("io.tidewater.", "Tidewater");
        OWNERS.put("org.apache.camel.", "Camel");
        OWNERS.put("org.apache.kafka.", "Kafka client");
        OWNERS.put("com.fasterxml.jackson.", "Jackson");
        OWNERS.put("org.postgresql.", "PostgreSQL driver");
        OWNERS.put("com.zaxxer.hikari.", "HikariCP");
        OWNERS.put("com.github.benmanes.caffeine.", "Caffeine");
        OWNERS.put("io.micrometer.", "Micrometer");
        OWNERS.put("org.apache.logging.", "logging");
        OWNERS.put("org.slf4j.", "logging");
        OWNERS.put("java.", "JDK");
        OWNERS.put("javax.", "JDK");
        OWNERS.put("jdk.", "JDK");
        OWNERS.put("sun.", "JDK");
    }

    private JfrProfile() {
    }

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> total = new HashMap<>();
        Map<String, Long> owners = new HashMap<>();
        Map<String, Long> firstOwnCode = new HashMap<>();
        long samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = e.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            String topMethod = name(frames.get(0));
            self.merge(topMethod, 1L, Long::sum);
            owners.merge(owner(topMethod), 1L, Long::sum);
            Set<String> seen = new HashSet<>();
            String tidewater = null;
            for (RecordedFrame f : frames) {
                String m = name(f);
                if (seen.add(m)) {
                    total.merge(m, 1L, Long::sum);
                }
                if (tidewater == null && m.startsWith("io.tidewater.")) {
                    tidewater = m;
                }
            }
            firstOwnCode.merge(tidewater == null ? "(no Tidewater frame: Kafka's poll, Camel's routing, the JVM)" : tidewater, 1L, Long::sum);
        }
        System.out.printf(Locale.ROOT, "%,d execution samples in %s%n%n", samples, args[0]);
        print("Top frame's owner", owners, samples, top);
        print("Self (top frame)", self, samples, top);
        print("Total (anywhere on the stack)", total, samples, top);
        print("Nearest Tidewater frame (whose work the sample was)", firstOwnCode, samples, top);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String owner(String method) {
        return OWNERS.entrySet().stream().filter(o -> method.startsWith(o.getKey())).map(Map.Entry::getValue).findFirst().orElse("other");
    }

    private static void print(String title, Map<String, Long> counts, long samples, int top) {
        System.out.printf(Locale.ROOT, "| %s | samples | share |%n|---|---:|---:|%n", title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "| `%s` | %,d | %.1f%% |%n", e.getKey(), e.getValue(), 100.0 * e.getValue() / samples));
        System.out.println();
    }
}
