package org.netstack4j.comms;

import org.netstack4j.exec.AppMutex;
import org.netstack4j.exec.Applications;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A request server: a thread per connection reads frames and queues each request; a fixed pool
 * of workers answers them through the {@link Call}, never through the socket. A full queue
 * answers "busy" at once; a request whose client went away, or whose deadline passed, is dropped
 * before a worker starts it, or cancelled while it works, and its answer is discarded. One bad
 * frame closes its own connection only; the server goes on until {@link #close}.
 */
public final class RequestServer implements AutoCloseable {
    private final Transport transport;
    private final Handler handler;
    private final ServerConfig config;
    private final Applications apps;
    private final Counts<ServerEvent> counts = new Counts<>(ServerEvent.class);
    private final BoundedQueue<Call> queue;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    private Transport.Acceptor acceptor;
    private volatile boolean closed;

    private RequestServer(Transport transport, Handler handler, ServerConfig config) {
        this.transport = transport;
        this.handler = handler;
        this.config = config;
        this.apps = transport.applications();
        this.queue = new BoundedQueue<>(apps, config.queueCapacity());
    }

    /** Listens on {@code port} (0: any) and starts the acceptor and the workers (call from an application thread). */
    public static RequestServer start(Transport transport, int port, Handler handler, ServerConfig config)
            throws IOException {
        RequestServer server = new RequestServer(transport, handler, config);
        server.acceptor = transport.listen(port, config.backlog());
        server.threads.add(server.apps.start("comms-acceptor:" + server.acceptor.port(), server::acceptLoop));
        for (int i = 0; i < config.workers(); i++) {
            server.threads.add(server.apps.start("comms-worker-" + i, server::workLoop));
        }
        return server;
    }

    public int port() {
        return acceptor.port();
    }

    public Counts<ServerEvent> counts() {
        return counts;
    }

    /** Requests waiting for a worker now. */
    public int queued() {
        return queue.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Transport.Channel channel;
            try {
                channel = acceptor.accept();
            } catch (IOException stopped) {
                return; // the acceptor closed: the server is stopping
            }
            counts.add(ServerEvent.CONNECTIONS_ACCEPTED);
            Session session = new Session(channel, counts, new AppMutex(apps));
            sessions.add(session);
            if (closed) {
                session.close(true);
            }
            apps.start("comms-connection:" + channel.peer(), () -> readLoop(session));
        }
    }

    /** Reads the connection's requests until it ends; every way it can end closes only this session. */
    private void readLoop(Session session) {
        try {
            while (session.live()) {
                Frame f = FrameFormat.read(session.channel(), config.maxBody());
                if (f == null) {
                    session.inputEnded();
                    return;
                }
                if (f.type() != Frame.Type.REQUEST) {
                    counts.add(ServerEvent.UNEXPECTED_FRAMES);
                    session.close(true);
                    return;
                }
                admit(session, f);
            }
        } catch (FrameException bad) {
            counts.add(bad.reason() == FrameException.Reason.OVERSIZED ? ServerEvent.OVERSIZED_FRAMES
                    : ServerEvent.MALFORMED_FRAMES);
            session.close(true);
        } catch (IOException gone) {
            if (session.live()) {
                counts.add(ServerEvent.CONNECTIONS_FAILED); // reset by the peer, or the host stopped
            }
            session.close(true);
        } finally {
            sessions.remove(session);
        }
    }

    private void admit(Session session, Frame f) {
        counts.add(ServerEvent.REQUESTS);
        long now = apps.clock().nanos();
        long budget = f.deadlineMillis() == 0 ? config.maxDeadline().toNanos()
                : Math.min(f.deadlineMillis() * 1_000_000L, config.maxDeadline().toNanos());
        Call call = new Call(session, f.requestId(), f.body(), f.idempotent(), now + budget, apps);
        if (!session.admit(call)) {
            counts.add(ServerEvent.DUPLICATE_REQUEST_IDS);
            session.refuse(f.requestId(), Frame.Status.BAD_REQUEST, utf8("request id already in use"));
            return;
        }
        if (!queue.offer(call)) {
            counts.add(ServerEvent.BUSY);
            session.answer(call, Frame.Status.BUSY, new byte[0], now);
        }
    }

    private void workLoop() {
        for (Call call; (call = queue.take()) != null; ) {
            if (!call.session.live()) {
                counts.add(ServerEvent.ABANDONED_IN_QUEUE);
                continue;
            }
            if (apps.clock().nanos() >= call.deadlineNanos()) {
                counts.add(ServerEvent.EXPIRED_BEFORE_START);
                call.session.forget(call);
                continue;
            }
            work(call);
        }
    }

    private void work(Call call) {
        call.worker = Thread.currentThread();
        Frame.Status status = Frame.Status.OK;
        byte[] answer;
        try {
            answer = handler.handle(call);
        } catch (Call.Cancelled stop) {
            counts.add(ServerEvent.CANCELLED_WHILE_WORKING);
            call.session.forget(call);
            return;
        } catch (Call.BadRequest bad) {
            counts.add(ServerEvent.BAD_REQUESTS);
            status = Frame.Status.BAD_REQUEST;
            answer = utf8(bad.getMessage());
        } catch (Exception failed) {
            counts.add(ServerEvent.HANDLER_FAILURES);
            status = Frame.Status.FAILED;
            answer = utf8(failed.getClass().getSimpleName() + ": " + failed.getMessage());
        } finally {
            call.worker = null;
        }
        call.session.answer(call, status, answer == null ? new byte[0] : answer, apps.clock().nanos());
    }

    private static byte[] utf8(String s) {
        return String.valueOf(s).getBytes(StandardCharsets.UTF_8);
    }

    /** Stops accepting, closes every connection (their late answers are discarded), and lets the workers end. */
    @Override
    public void close() {
        closed = true;
        acceptor.close();
        queue.close();
        for (Session s : sessions) {
            s.close(true);
        }
    }
}
