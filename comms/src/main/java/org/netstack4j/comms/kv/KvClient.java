package org.netstack4j.comms.kv;

import org.netstack4j.comms.Frame;
import org.netstack4j.comms.RequestClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The key-value client: gets and scans are idempotent (retried), puts and deletes are not (a put
 * that timed out may or may not have happened). Every answer is checked against its request: an
 * answer for another key is counted {@link #misdelivered()} and refused.
 */
public final class KvClient implements AutoCloseable {
    private final RequestClient client;
    private final AtomicLong misdelivered = new AtomicLong();

    public KvClient(RequestClient client) {
        this.client = client;
    }

    public RequestClient requests() {
        return client;
    }

    /** Answers that belonged to another request. */
    public long misdelivered() {
        return misdelivered.get();
    }

    public byte[] get(String namespace, byte[] key) throws IOException {
        KvProtocol.Answer a = call(KvProtocol.Op.GET, key, KvProtocol.get(namespace, key), true);
        return a.found() ? a.value() : null;
    }

    public void put(String namespace, byte[] key, byte[] value) throws IOException {
        call(KvProtocol.Op.PUT, key, KvProtocol.put(namespace, key, value), false);
    }

    /** True if the key was there. */
    public boolean delete(String namespace, byte[] key) throws IOException {
        return call(KvProtocol.Op.DELETE, key, KvProtocol.delete(namespace, key), false).found();
    }

    public List<KvProtocol.Entry> scan(String namespace, byte[] from, int limit) throws IOException {
        return call(KvProtocol.Op.SCAN, from, KvProtocol.scan(namespace, from, limit), true).entries();
    }

    private KvProtocol.Answer call(KvProtocol.Op op, byte[] key, byte[] request, boolean idempotent) throws IOException {
        RequestClient.Reply reply = client.call(request, idempotent);
        if (reply.status() != Frame.Status.OK) {
            throw new KvException(reply.status(), new String(reply.body(), StandardCharsets.UTF_8));
        }
        KvProtocol.Answer a;
        try {
            a = KvProtocol.decodeAnswer(reply.body());
        } catch (IllegalArgumentException bad) {
            throw new IOException("a malformed answer: " + bad.getMessage());
        }
        if (!a.matches(op, key)) {
            misdelivered.incrementAndGet();
            throw new IOException("an answer for another request (" + a.op() + ") came for this " + op);
        }
        return a;
    }

    @Override
    public void close() {
        client.close();
    }

    /** The server answered, but not with the data: busy, bad request or failed. */
    public static final class KvException extends IOException {
        private final Frame.Status status;

        public KvException(Frame.Status status, String message) {
            super(status.name().toLowerCase() + (message.isEmpty() ? "" : ": " + message));
            this.status = status;
        }

        public Frame.Status status() {
            return status;
        }
    }
}
