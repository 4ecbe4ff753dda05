package org.netstack4j.comms;

import java.time.Duration;

/**
 * How a {@link RequestClient} waits and retries: {@code connectTimeout} for the handshake,
 * {@code requestTimeout} for an answer (sent to the server as the request's deadline),
 * {@code retries} more attempts for idempotent requests, answers up to {@code maxBody} bytes, and
 * connections from {@code localPort} (0: any; a fixed port makes the 4-tuple of a new connection
 * repeat an old one, as clients on a narrow port range do).
 */
public record ClientConfig(Duration connectTimeout, Duration requestTimeout, int retries, int maxBody, int localPort) {

    public ClientConfig {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (retries < 0 || maxBody < 0 || localPort < 0 || localPort > 65_535) {
            throw new IllegalArgumentException("retries and the body limit cannot be negative; a port fits 16 bits");
        }
        if (requestTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a request timeout must fit the frame's 31-bit milliseconds");
        }
    }

    /** 5 s to connect, 10 s for an answer, 2 retries, 1 MiB answers, any local port. */
    public static ClientConfig defaults() {
        return new ClientConfig(Duration.ofSeconds(5), Duration.ofSeconds(10), 2, 1 << 20, 0);
    }

    public ClientConfig withRequestTimeout(Duration d) {
        return new ClientConfig(connectTimeout, d, retries, maxBody, localPort);
    }

    public ClientConfig withRetries(int n) {
        return new ClientConfig(connectTimeout, requestTimeout, n, maxBody, localPort);
    }

    public ClientConfig withLocalPort(int port) {
        return new ClientConfig(connectTimeout, requestTimeout, retries, maxBody, port);
    }
}
