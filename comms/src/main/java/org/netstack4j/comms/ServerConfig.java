package org.netstack4j.comms;

import java.time.Duration;

/**
 * How a {@link RequestServer} is bounded: {@code workers} threads take requests from a queue of
 * {@code queueCapacity} (beyond it, "busy"); a frame body may be {@code maxBody} bytes; a request
 * without a deadline, or with a longer one, gets {@code maxDeadline}; {@code backlog} connections
 * may wait to be accepted.
 */
public record ServerConfig(int workers, int queueCapacity, int maxBody, Duration maxDeadline, int backlog) {

    public ServerConfig {
        if (workers < 1 || queueCapacity < 1 || maxBody < 0 || backlog < 1) {
            throw new IllegalArgumentException("workers, queue and backlog need at least 1, the body limit at least 0");
        }
        if (maxDeadline.isNegative() || maxDeadline.isZero()) {
            throw new IllegalArgumentException("the longest deadline must be positive: " + maxDeadline);
        }
    }

    /** 8 workers, 64 queued, 1 MiB bodies, 30 s deadlines, a backlog of 128. */
    public static ServerConfig defaults() {
        return new ServerConfig(8, 64, 1 << 20, Duration.ofSeconds(30), 128);
    }

    public ServerConfig withWorkers(int n) {
        return new ServerConfig(n, queueCapacity, maxBody, maxDeadline, backlog);
    }

    public ServerConfig withQueueCapacity(int n) {
        return new ServerConfig(workers, n, maxBody, maxDeadline, backlog);
    }

    public ServerConfig withMaxBody(int n) {
        return new ServerConfig(workers, queueCapacity, n, maxDeadline, backlog);
    }
}
