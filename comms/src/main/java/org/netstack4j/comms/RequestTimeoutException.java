package org.netstack4j.comms;

import java.io.IOException;

/** No answer came before the request's deadline; whether the server did the work is unknown. */
public final class RequestTimeoutException extends IOException {
    public RequestTimeoutException(String message) {
        super(message);
    }
}
