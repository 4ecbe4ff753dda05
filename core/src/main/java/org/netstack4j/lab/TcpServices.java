package org.netstack4j.lab;

import org.netstack4j.socket.ServiceFaults;
import org.netstack4j.socket.TcpListener;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.stack.Host;
import org.netstack4j.stack.SocketClosedException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The TCP services {@code up} runs: echo (7, RFC 862), discard (9, RFC 863) and a small HTTP/1.1
 * page (80) with the host's counters. Each connection has an application thread of its own; at
 * most {@link #MAX_CONNECTIONS} at once (more are reset, counted). What one connection does wrong
 * (a reset, a request too long or too slow) ends that connection only: it is counted and the
 * service goes on.
 */
public final class TcpServices implements AutoCloseable {
    public static final int ECHO = 7;
    public static final int DISCARD = 9;
    public static final int HTTP = 80;
    /** Connections served at once, a virtual thread each; beyond, a new one is reset (counted as refused_busy). */
    static final int MAX_CONNECTIONS = 16_384;
    private static final int MAX_REQUEST = 8192;
    private static final Duration IDLE = Duration.ofSeconds(30);
    /** Connections not yet accepted, per service (Linux's somaxconn is 4096; a burst of a thousand fits). */
    static final int BACKLOG = 1024;

    private final Network net;
    private final Supplier<String> page;
    private final ServiceFaults faults;
    private final List<TcpListener> listeners = new ArrayList<>();
    private final Map<String, Thread> acceptors = new LinkedHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong refusedBusy = new AtomicLong();
    private final AtomicLong echoedBytes = new AtomicLong();
    private final AtomicLong discardedBytes = new AtomicLong();
    private final AtomicLong httpRequests = new AtomicLong();
    private final AtomicLong httpBadRequests = new AtomicLong();

    /** What one connection's service does with it. */
    @FunctionalInterface
    private interface Handler {
        void serve(TcpSocket s) throws IOException;
    }

    private TcpServices(Network net, Host host, Supplier<String> page) {
        this.net = net;
        this.page = page;
        this.faults = new ServiceFaults("TCP services on " + host.name(), host.applications().clock()::nanos);
    }

    /** Listens on 7, 9 and 80 of {@code host}; {@code page} is the HTTP page's text. */
    public static TcpServices start(Network net, Host host, Supplier<String> page) throws Exception {
        TcpServices s = new TcpServices(net, host, page);
        s.listen(host, ECHO, "echo", s::echo);
        s.listen(host, DISCARD, "discard", s::discard);
        s.listen(host, HTTP, "http", s::http);
        return s;
    }

    private void listen(Host host, int port, String name, Handler handler) throws Exception {
        TcpListener l = net.run(name + "-listen", () -> TcpListener.listen(host, port, BACKLOG));
        listeners.add(l);
        acceptors.put("tcp/" + port, net.startApplication(name, () -> accept(l, name, handler)));
    }

    private void accept(TcpListener l, String name, Handler handler) {
        while (true) {
            TcpSocket s;
            try {
                s = l.accept();
            } catch (SocketClosedException closed) {
                return; // the services are over
            } catch (IOException e) {
                faults.record(e); // e.g. a call the loop did not answer in time: try again, a little later
                pause();
                continue;
            }
            connections.incrementAndGet();
            if (active.incrementAndGet() > MAX_CONNECTIONS) {
                active.decrementAndGet();
                refusedBusy.incrementAndGet();
                abort(s);
                continue;
            }
            net.startApplication(name + "-" + s.remotePort(), () -> {
                try (s) {
                    s.setTimeout(IDLE);
                    handler.serve(s);
                } catch (IOException e) {
                    faults.record(e); // this connection's trouble: the service goes on
                    abort(s);
                } finally {
                    active.decrementAndGet();
                }
            });
        }
    }

    /** A millisecond's pause after a fault, so that a fault that repeats cannot make the loop spin. */
    private void pause() {
        var apps = net.applications();
        long until = apps.clock().nanos() + 1_000_000L;
        while (apps.clock().nanos() < until) {
            apps.block(until);
        }
    }

    private static void abort(TcpSocket s) {
        try {
            s.abort();
        } catch (IOException hostGone) {
            // nothing left to abort
        }
    }

    private void echo(TcpSocket s) throws IOException {
        byte[] buf = new byte[16_384];
        int n;
        while ((n = s.read(buf)) >= 0) {
            s.write(buf, 0, n);
            echoedBytes.addAndGet(n);
        }
    }

    private void discard(TcpSocket s) throws IOException {
        byte[] buf = new byte[16_384];
        int n;
        while ((n = s.read(buf)) >= 0) {
            discardedBytes.addAndGet(n);
        }
    }

    /** One request per connection: GET / answers the page, anything else 404 or 400. */
    private void http(TcpSocket s) throws IOException {
        byte[] request = new byte[MAX_REQUEST];
        int length = 0;
        while (indexOfBlankLine(request, length) < 0) {
            if (length == request.length) {
                httpBadRequests.incrementAndGet();
                respond(s, "431 Request Header Fields Too Large", "request header too large\n");
                return;
            }
            int n = s.read(request, length, request.length - length);
            if (n < 0) {
                return; // the client left before asking
            }
            length += n;
        }
        httpRequests.incrementAndGet();
        String firstLine = new String(request, 0, length, StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
        String[] parts = firstLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            httpBadRequests.incrementAndGet();
            respond(s, "400 Bad Request", "bad request\n");
        } else if (!parts[0].equals("GET") && !parts[0].equals("HEAD")) {
            respond(s, "405 Method Not Allowed", "only GET and HEAD\n");
        } else if (!parts[1].equals("/")) {
            respond(s, "404 Not Found", "not found: try /\n");
        } else {
            respond(s, "200 OK", parts[0].equals("HEAD") ? null : page.get());
        }
    }

    private static int indexOfBlankLine(byte[] b, int length) {
        for (int i = 3; i < length; i++) {
            if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void respond(TcpSocket s, String status, String body) throws IOException {
        byte[] content = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nServer: netstack4j\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n";
        s.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            s.write(content);
        }
        s.shutdownOutput();
    }

    /** The services whose accepting threads still run: tcp/7, tcp/9, tcp/80. */
    public List<String> running() {
        List<String> names = new ArrayList<>();
        acceptors.forEach((name, t) -> {
            if (t.isAlive()) {
                names.add(name);
            }
        });
        return names;
    }

    public ServiceFaults faults() {
        return faults;
    }

    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("tcp_connections", connections.get());
        m.put("tcp_refused_busy", refusedBusy.get());
        m.put("tcp_echoed_bytes", echoedBytes.get());
        m.put("tcp_discarded_bytes", discardedBytes.get());
        m.put("http_requests", httpRequests.get());
        m.put("http_bad_requests", httpBadRequests.get());
        m.put("tcp_faults", faults.total());
        return m;
    }

    /** Stops listening (call as an application); connections in progress finish on their own. */
    @Override
    public void close() {
        listeners.forEach(TcpListener::close);
    }
}
