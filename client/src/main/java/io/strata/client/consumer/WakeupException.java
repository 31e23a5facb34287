package io.strata.client.consumer;

/**
 * Thrown by a blocking {@link StrataConsumer} call after another thread called
 * {@link StrataConsumer#wakeup()} (e.g. a shutdown hook); the consumer stays usable and
 * should normally be closed next.
 */
public class WakeupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WakeupException() {
        super("consumer woken up by wakeup()");
    }
}
