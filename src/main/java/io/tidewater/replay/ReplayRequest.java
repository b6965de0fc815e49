package io.tidewater.replay;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What to reprocess: topics, optionally some partitions, a start (an offset, a time, or the beginning) and optionally
 * an end (an offset or a time; by default the end of the topic when the request is made). Live replays move the main
 * load back; side replays consume the range with their own group and stop at its end.
 */
public record ReplayRequest(List<String> topics, Set<Integer> partitions, Position from, Position to, boolean side) {

    /** A point in a partition: the beginning, an offset, or the first record at or after a time. */
    public record Position(Long offset, Instant time) {
        static final Position BEGINNING = new Position(null, null);

        boolean beginning() {
            return offset == null && time == null;
        }

        @Override
        public String toString() {
            return beginning() ? "beginning" : offset != null ? "offset " + offset : time.toString();
        }
    }

    /** Parses the text form used by JMX, HTTP and the CLI; throws ReplayException naming the bad field. */
    public static ReplayRequest parse(String topics, String partitions, String from, String to, String mode) {
        // A topic named twice is replayed once: planned twice, its partitions would be rewound and applied twice over.
        Set<String> names = new LinkedHashSet<>();
        for (String t : blankToEmpty(topics).split(",")) {
            if (!t.isBlank()) {
                names.add(t.strip());
            }
        }
        if (names.isEmpty()) {
            throw new ReplayException("topic is missing: name one or more topics, comma-separated");
        }
        Set<Integer> parts = new LinkedHashSet<>();
        for (String p : blankToEmpty(partitions).split(",")) {
            if (!p.isBlank()) {
                try {
                    parts.add(Integer.parseInt(p.strip()));
                } catch (NumberFormatException e) {
                    throw new ReplayException("partition '" + p.strip() + "' is not a number");
                }
            }
        }
        if (blankToEmpty(from).isBlank()) {
            throw new ReplayException("from is missing: give an offset, a time (e.g. 2026-11-24T10:00:00Z) or 'beginning'");
        }
        Position start = position("from", from);
        Position end = blankToEmpty(to).isBlank() ? null : position("to", to);
        if (end != null && end.beginning()) {
            throw new ReplayException("to cannot be the beginning");
        }
        String m = blankToEmpty(mode).strip().toLowerCase(Locale.ROOT);
        if (!m.isEmpty() && !m.equals("live") && !m.equals("side")) {
            throw new ReplayException("mode '" + mode + "' is unknown: use live (the main load rereads the range) or side "
                    + "(a separate consumer reads the range and stops)");
        }
        return new ReplayRequest(List.copyOf(names), Set.copyOf(parts), start, end, m.equals("side"));
    }

    private static Position position(String field, String text) {
        String v = text.strip();
        if (v.equalsIgnoreCase("beginning") || v.equalsIgnoreCase("earliest")) {
            return Position.BEGINNING;
        }
        if (v.matches("\\d+")) {
            return new Position(Long.parseLong(v), null);
        }
        try {
            return new Position(null, Instant.parse(v));
        } catch (DateTimeParseException e) {
            try {
                return new Position(null, OffsetDateTime.parse(v).toInstant());
            } catch (DateTimeParseException e2) {
                throw new ReplayException(field + " '" + v + "' is neither an offset, a time such as 2026-11-24T10:00:00Z, nor 'beginning'");
            }
        }
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s;
    }
}
