package org.netstack4j.comms;

import org.netstack4j.exec.Applications;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The client side: one request at a time per connection, connections kept for reuse after a
 * clean answer and aborted after anything else (a connection whose answer is overdue may still
 * carry it, so it is never reused). Idempotent requests are tried again after a failure, a
 * timeout or "busy", within their deadline; others are tried once. Safe from several threads.
 */
public final class RequestClient implements AutoCloseable {
    /** An answer: its status and body. */
    public record Reply(Frame.Status status, byte[] body) {
        public boolean ok() {
            return status == Frame.Status.OK;
        }
    }

    private final Transport transport;
    private final String address;
    private final int port;
    private final ClientConfig config;
    private final Applications apps;
    private final Counts<ClientEvent> counts = new Counts<>(ClientEvent.class);
    private final ArrayDeque<Transport.Channel> idle = new ArrayDeque<>();
    private long nextId = 1;
    private boolean closed;

    public RequestClient(Transport transport, String address, int port, ClientConfig config) {
        this.transport = transport;
        this.address = address;
        this.port = port;
        this.config = config;
        this.apps = transport.applications();
    }

    public Counts<ClientEvent> counts() {
        return counts;
    }

    /** Sends {@code body} and waits for the answer, up to the configured request timeout. */
    public Reply call(byte[] body, boolean idempotent) throws IOException {
        return call(body, idempotent, config.requestTimeout());
    }

    /**
     * Sends {@code body} and waits for its answer up to {@code timeout}, retrying an idempotent
     * request. Throws {@link RequestTimeoutException} when no answer came in time, IOException
     * when the server could not be reached or the connection failed.
     */
    public Reply call(byte[] body, boolean idempotent, Duration timeout) throws IOException {
        counts.add(ClientEvent.REQUESTS);
        long deadline = apps.clock().nanos() + timeout.toNanos();
        int attempts = idempotent ? 1 + config.retries() : 1;
        IOException last = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            long left = deadline - apps.clock().nanos();
            if (left <= 0) {
                break;
            }
            if (attempt > 0) {
                counts.add(ClientEvent.RETRIES);
            }
            try {
                Reply r = attempt(body, idempotent, left);
                if (r.status() != Frame.Status.BUSY || attempt == attempts - 1) {
                    return r;
                }
                apps.sleepUntil(Math.min(deadline, apps.clock().nanos() + (attempt + 1) * 1_000_000L)); // back off a little
            } catch (IOException e) {
                last = e;
            }
        }
        if (last == null) {
            counts.add(ClientEvent.TIMEOUTS);
            last = new RequestTimeoutException("no answer from " + address + ":" + port + " within " + timeout);
        }
        throw last;
    }

    private Reply attempt(byte[] body, boolean idempotent, long leftNanos) throws IOException {
        Transport.Channel ch = takeIdle();
        if (ch == null) {
            try {
                ch = transport.connect(address, port, config.localPort(),
                        Duration.ofNanos(Math.min(leftNanos, config.connectTimeout().toNanos())));
            } catch (IOException e) {
                counts.add(ClientEvent.CONNECT_FAILURES);
                throw e;
            }
            counts.add(ClientEvent.CONNECTIONS_OPENED);
        } else {
            counts.add(ClientEvent.CONNECTIONS_REUSED);
        }
        long id;
        synchronized (this) {
            id = nextId++;
        }
        int budgetMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, leftNanos / 1_000_000L));
        Frame answer;
        try {
            byte[] frame = FrameFormat.encode(Frame.request(id, idempotent, budgetMillis, body));
            ch.write(frame, 0, frame.length);
            ch.setReadTimeout(Duration.ofNanos(Math.max(1_000_000L, leftNanos)));
            answer = FrameFormat.read(ch, config.maxBody());
        } catch (SocketTimeoutException late) {
            counts.add(ClientEvent.TIMEOUTS);
            ch.abort(); // the answer may still come on it: never reuse it
            throw new RequestTimeoutException("no answer to request " + id + " from " + address + ":" + port + " in time");
        } catch (IOException e) {
            counts.add(ClientEvent.CONNECTION_FAILURES);
            ch.abort();
            throw e;
        }
        if (answer == null || answer.type() != Frame.Type.RESPONSE) {
            counts.add(ClientEvent.CONNECTION_FAILURES);
            ch.abort();
            throw new IOException("the server closed the connection without an answer to request " + id);
        }
        if (answer.requestId() != id) {
            counts.add(ClientEvent.MISDELIVERED);
            ch.abort();
            throw new IOException("an answer for request " + answer.requestId() + " came for request " + id);
        }
        counts.add(answer.status() == Frame.Status.BUSY ? ClientEvent.BUSY : ClientEvent.ANSWERED);
        giveBack(ch);
        return new Reply(answer.status(), answer.body());
    }

    private synchronized Transport.Channel takeIdle() {
        return idle.poll();
    }

    private void giveBack(Transport.Channel ch) {
        synchronized (this) {
            if (!closed) {
                idle.push(ch);
                return;
            }
        }
        ch.close();
    }

    /** Closes the idle connections; a request in progress finishes on its own. */
    @Override
    public void close() {
        ArrayDeque<Transport.Channel> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(idle);
            idle.clear();
        }
        toClose.forEach(Transport.Channel::close);
    }
}
