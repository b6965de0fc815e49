package io.tidewater.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import io.tidewater.load.WarehouseErrors.Kind;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

/** Issue 11, point 1: which warehouse answers are retried and which isolate the records of a batch. */
class WarehouseErrorsTest {

    private static Kind kind(String sqlState) {
        return WarehouseErrors.classify(new RuntimeCamelException(new SQLException("refused", sqlState)));
    }

    @Test
    void recordsTheWarehouseRefusesAreDataErrors() {
        assertEquals(Kind.DATA, kind("22021"));   // a NUL byte: invalid byte sequence for encoding UTF8
        assertEquals(Kind.DATA, kind("22008"));   // datetime field overflow
        assertEquals(Kind.DATA, kind("22001"));   // value too long for its column
        assertEquals(Kind.DATA, kind("23514"));   // check constraint
        assertEquals(Kind.DATA, kind("23505"));   // unique violation
        assertEquals(Kind.DATA, kind("54000"));   // e.g. an index row over the limit
    }

    @Test
    void connectionLossConflictsAndShutdownsAreTransient() {
        assertEquals(Kind.TRANSIENT, kind("08006"));
        assertEquals(Kind.TRANSIENT, kind("08001"));
        assertEquals(Kind.TRANSIENT, kind("40001"));
        assertEquals(Kind.TRANSIENT, kind("40P01"));
        assertEquals(Kind.TRANSIENT, kind("57P01"));
        assertEquals(Kind.TRANSIENT, kind("57P03"));
        assertEquals(Kind.TRANSIENT, kind("57014"));
        assertEquals(Kind.TRANSIENT, kind("53300"));
        assertEquals(Kind.TRANSIENT, WarehouseErrors.classify(new SQLTransientConnectionException("pool timeout")));
    }

    @Test
    void errorsThatAreNotARecordsFaultAreNeitherButStillRetried() {
        assertEquals(Kind.OTHER, kind("42601"));  // a syntax error in an edited mapping: every record would fail
        assertEquals(Kind.OTHER, kind("42P01"));
        assertEquals(Kind.OTHER, kind(null));
        assertEquals(Kind.OTHER, WarehouseErrors.classify(new IllegalStateException("no SQL here")));
    }

    @Test
    void theStateIsFoundAlongTheChain() {
        SQLException outer = new SQLException("batch failed");
        outer.setNextException(new SQLException("the row", "22P02"));
        assertEquals(Kind.DATA, WarehouseErrors.classify(outer));
    }
}
