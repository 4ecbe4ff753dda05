package org.netstack4j.comms;

/** A service: the answer to one request, computed on a worker thread. */
@FunctionalInterface
public interface Handler {
    /**
     * The answer's body. Throw {@link Call.BadRequest} for a malformed request, {@link Call.Cancelled}
     * to stop early when {@link Call#cancelled()}; anything else is answered "failed" and counted.
     */
    byte[] handle(Call call) throws Exception;
}
