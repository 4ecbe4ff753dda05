package org.netstack4j.hw.link;

import java.io.IOException;

/**
 * A TAP device could not be opened or used. The message is one line that names the device and
 * the cause ({@link Reason}) and, where there is one, what to do about it.
 */
public final class TapException extends IOException {
    /** Why, in the terms people act on. */
    public enum Reason {
        /** Not allowed: CAP_NET_ADMIN is needed, or the persistent device belongs to someone else. */
        NO_PERMISSION,
        /** No TUN/TAP driver: /dev/net/tun is missing or the tun module is not loaded. */
        NO_SUCH_DEVICE,
        /** Another process has the device open. */
        DEVICE_BUSY,
        /** The name is taken by an interface that is not a TAP device, or is not a valid name. */
        INVALID,
        /** Anything else (the errno is in the message). */
        OTHER
    }

    private static final long serialVersionUID = 1L;

    private final Reason reason;
    private final int errno;

    public TapException(Reason reason, int errno, String message) {
        super(message);
        this.reason = reason;
        this.errno = errno;
    }

    public Reason reason() {
        return reason;
    }

    /** The errno of the failed call, or 0 when no call failed (an invalid name). */
    public int errno() {
        return errno;
    }
}
