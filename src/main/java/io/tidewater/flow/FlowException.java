package io.tidewater.flow;

import java.nio.file.Path;

/** A flow declaration that cannot run, with the file and line to fix. */
public class FlowException extends RuntimeException {

    private final Path file;
    private final int line;

    public FlowException(Path file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }
}
