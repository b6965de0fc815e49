package io.tidewater.events;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8: a record whose bytes are not valid UTF-8 is refused, never loaded with replacement characters. */
public final class Utf8 {

    private Utf8() {
    }

    /** The text of a record's value (bytes as read from Kafka, or text already); throws an invalid event for bad bytes. */
    public static String strict(Object value) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (!(value instanceof byte[] bytes)) {
            return value.toString();
        }
        // The JDK's decoding replaces each malformed sequence with U+FFFD: text without one had none (for text of Latin-1
        // characters only, the search is no search at all). Text with one is decoded again, strictly, to tell a malformed
        // sequence from a U+FFFD the record carries.
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') < 0) {
            return text;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return decoder.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidEventException("value is not valid UTF-8 (a malformed sequence at byte " + in.position() + ")");
        }
    }
}
