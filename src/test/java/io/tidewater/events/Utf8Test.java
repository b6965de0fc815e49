package io.tidewater.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Strict UTF-8 reads bytes as the JDK's reporting decoder does: the same text, or a refusal where it reports. */
class Utf8Test {

    @Property(tries = 2000)
    void readsAsTheReportingDecoder(@ForAll("bytes") byte[] bytes) {
        String expected;
        try {
            expected = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            assertThrows(InvalidEventException.class, () -> Utf8.strict(bytes));
            return;
        }
        assertEquals(expected, Utf8.strict(bytes));
    }

    /** Mostly text (ASCII, Latin-1, CJK, emoji, a U+FFFD of its own), with stray, overlong and surrogate bytes mixed in. */
    @Provide
    Arbitrary<byte[]> bytes() {
        Arbitrary<byte[]> piece = Arbitraries.oneOf(
                Arbitraries.strings().withChars("aZ{}\":,0").ofMaxLength(6).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of("é", "漢字", "😀", "\uFFFD", "\u0000").map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of(new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        new byte[] {(byte) 0xFF}, new byte[] {(byte) 0x80}, new byte[] {(byte) 0xE2, (byte) 0x82},
                        new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
        return piece.list().ofMaxSize(8).map(parts -> {
            ByteBuffer b = ByteBuffer.allocate(parts.stream().mapToInt(p -> p.length).sum());
            parts.forEach(b::put);
            return b.array();
        });
    }
}
