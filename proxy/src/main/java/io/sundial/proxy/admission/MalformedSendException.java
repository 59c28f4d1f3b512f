package io.sundial.proxy.admission;

/** A send whose header cannot be read: a missing field, or one of the wrong type. Answered INVALID_PARAMETER. */
public final class MalformedSendException extends Exception {
    public MalformedSendException(String message, Throwable cause) {
        super(message, cause);
    }
}
