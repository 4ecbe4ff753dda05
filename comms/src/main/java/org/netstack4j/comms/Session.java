package org.netstack4j.comms;

import org.netstack4j.exec.AppMutex;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's side of one connection: the requests waiting on it and the one way to answer them.
 * An answer is written only while the session is live and its call is still waiting here; after
 * the session closes, every answer for it is discarded and counted. Sessions are never reused: a
 * new connection, even on the same addresses and ports, is a new session.
 */
final class Session {
    private final Transport.Channel channel;
    private final Counts<ServerEvent> counts;
    private final AppMutex writing;
    private final Map<Long, Call> waiting = new HashMap<>();
    private volatile boolean live = true;
    private boolean inputEnded;

    Session(Transport.Channel channel, Counts<ServerEvent> counts, AppMutex writing) {
        this.channel = channel;
        this.counts = counts;
        this.writing = writing;
    }

    boolean live() {
        return live;
    }

    Transport.Channel channel() {
        return channel;
    }

    /** Registers a request as waiting for its answer; false if its id already waits here. */
    synchronized boolean admit(Call call) {
        return live && waiting.putIfAbsent(call.id, call) == null;
    }

    /**
     * Answers {@code call} on this connection, if it still waits here and the connection is live
     * and the client's deadline has not passed; otherwise the answer is discarded and counted.
     */
    void answer(Call call, Frame.Status status, byte[] body, long nowNanos) {
        writing.lock();
        try {
            boolean deliverable;
            boolean closeAfter;
            synchronized (this) {
                deliverable = live && waiting.remove(call.id, call) && nowNanos < call.deadlineNanos();
                closeAfter = inputEnded && waiting.isEmpty();
            }
            if (!deliverable) {
                counts.add(ServerEvent.LATE_ANSWERS_DISCARDED);
            } else {
                write(Frame.response(call.id, status, body));
                counts.add(ServerEvent.ANSWERED);
            }
            if (closeAfter) {
                close(false);
            }
        } finally {
            writing.unlock();
        }
    }

    /** Drops a call that will get no answer (expired, or its handler stopped): nothing is written. */
    void forget(Call call) {
        boolean closeNow;
        synchronized (this) {
            waiting.remove(call.id, call);
            closeNow = live && inputEnded && waiting.isEmpty();
        }
        if (closeNow) {
            close(false);
        }
    }

    /** Answers a frame that never became a call (busy, duplicate id); nothing waits for it. */
    void refuse(long requestId, Frame.Status status, byte[] body) {
        writing.lock();
        try {
            if (live) {
                write(Frame.response(requestId, status, body));
            }
        } finally {
            writing.unlock();
        }
    }

    private void write(Frame f) {
        try {
            byte[] bytes = FrameFormat.encode(f);
            channel.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            if (live) {
                counts.add(ServerEvent.CONNECTIONS_FAILED);
                close(true);
            } else {
                counts.add(ServerEvent.LATE_ANSWERS_DISCARDED); // closed under the write: reached no one
            }
        }
    }

    /** The client sent its last request (a clean end of stream): close once the waiting ones are answered. */
    void inputEnded() {
        boolean now;
        synchronized (this) {
            inputEnded = true;
            now = waiting.isEmpty();
        }
        if (now) {
            close(false);
        }
    }

    /**
     * Closes the connection (with a RST if {@code reset}); the calls still waiting are cancelled:
     * their workers are woken from {@link Call#pause} and whatever they answer is discarded.
     */
    void close(boolean reset) {
        List<Call> cancelled;
        synchronized (this) {
            if (!live) {
                return;
            }
            live = false;
            cancelled = new ArrayList<>(waiting.values());
            waiting.clear();
        }
        if (reset) {
            channel.abort();
        } else {
            channel.close();
        }
        counts.add(ServerEvent.CONNECTIONS_CLOSED);
        for (Call c : cancelled) {
            Thread w = c.worker;
            if (w != null) {
                c.apps().wake(w);
            }
        }
    }
}
