package org.netstack4j.comms;

import java.io.IOException;

/** A frame that breaks the format: the connection it came on is closed, the rest goes on. */
public final class FrameException extends IOException {

    /** Why the frame was refused; each is counted under its own name. */
    public enum Reason { BAD_MAGIC, BAD_VERSION, BAD_TYPE, BAD_STATUS, RESERVED_BITS, OVERSIZED, TRUNCATED }

    private final Reason reason;

    public FrameException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
