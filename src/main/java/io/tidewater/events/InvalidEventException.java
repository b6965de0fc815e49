package io.tidewater.events;

/** An event that cannot be loaded as it is: malformed, missing a field, of an unknown type or too large. */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
