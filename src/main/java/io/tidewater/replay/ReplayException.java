package io.tidewater.replay;

/** A replay request that cannot be carried out; nothing was changed. */
public class ReplayException extends IllegalArgumentException {

    public ReplayException(String message) {
        super(message);
    }
}
