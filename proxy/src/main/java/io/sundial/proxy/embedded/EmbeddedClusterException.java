package io.sundial.proxy.embedded;

/**
 * The embedded cluster could not do what was asked: a server did not start in time, a port was taken, an admin
 * call failed. The message names the server and, for a start failure, carries the last lines of its output.
 */
public final class EmbeddedClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmbeddedClusterException(String message) {
        super(message);
    }

    public EmbeddedClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
