package org.netstack4j.comms;

import org.junit.jupiter.api.Test;
import org.netstack4j.socket.TcpSocket;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server and client over netstack4j TCP, in simulated time: each bound and each verdict. */
class RequestServerTest {
    private static final Duration MS_100 = Duration.ofMillis(100);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(RequestClient.Reply r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** Answers "echo:" + body; a body "slow:N" first spends N ms, "pause:N" pauses N ms heeding cancellation. */
    private static final Handler ECHO = call -> {
        String body = new String(call.body(), StandardCharsets.UTF_8);
        if (body.startsWith("slow:")) {
            call.spend(Long.parseLong(body.substring(5)) * 1_000_000L);
        } else if (body.startsWith("pause:")) {
            if (!call.pause(Long.parseLong(body.substring(6)) * 1_000_000L)) {
                throw new Call.Cancelled();
            }
        } else if (body.equals("boom")) {
            throw new IllegalStateException("the handler broke");
        } else if (body.equals("nonsense")) {
            throw new Call.BadRequest("no sense in it");
        }
        return utf8("echo:" + body);
    };

    @Test
    void aRequestIsAnsweredAndTheConnectionIsReused() throws Exception {
        CommsLab lab = new CommsLab(1);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults());
        RequestClient client = lab.client(ClientConfig.defaults());
        List<String> answers = lab.net.run("client", () -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                out.add(text(client.call(utf8("hello " + i), false)));
            }
            client.close();
            server.close();
            return out;
        });
        assertThat(answers).containsExactly("echo:hello 0", "echo:hello 1", "echo:hello 2");
        assertThat(client.counts().get(ClientEvent.CONNECTIONS_OPENED)).isEqualTo(1);
        assertThat(client.counts().get(ClientEvent.CONNECTIONS_REUSED)).isEqualTo(2);
        assertThat(server.counts().get(ServerEvent.ANSWERED)).isEqualTo(3);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aFullQueueAnswersBusyAtOnceAndAnIdempotentRequestIsTriedAgain() throws Exception {
        CommsLab lab = new CommsLab(2);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults().withWorkers(1).withQueueCapacity(1));
        List<String> got = new ArrayList<>();
        AtomicLong busyAt = new AtomicLong();
        lab.net.run("clients", () -> {
            for (int i = 0; i < 2; i++) { // one in the worker, then one in the queue
                lab.net.applications().sleepUntil(lab.nanos() + 10_000_000L);
                lab.net.startApplication("slow-" + i, () -> {
                    try (RequestClient c = lab.client(ClientConfig.defaults())) {
                        got.add(text(c.call(utf8("slow:200"), false)));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
            lab.net.applications().sleepUntil(lab.nanos() + 50_000_000L);
            long start = lab.nanos();
            try (RequestClient once = lab.client(ClientConfig.defaults())) {
                RequestClient.Reply busy = once.call(utf8("x"), false);
                assertThat(busy.status()).isEqualTo(Frame.Status.BUSY);
                busyAt.set(lab.nanos() - start);
                assertThat(once.counts().get(ClientEvent.RETRIES)).as("not idempotent: tried once").isZero();
            }
            try (RequestClient retrying = lab.client(ClientConfig.defaults().withRetries(1000))) {
                RequestClient.Reply ok = retrying.call(utf8("y"), true);
                assertThat(text(ok)).isEqualTo("echo:y");
                assertThat(retrying.counts().get(ClientEvent.RETRIES)).isPositive();
                assertThat(retrying.counts().get(ClientEvent.BUSY)).isPositive();
            }
            server.close();
            return null;
        });
        assertThat(got).containsExactly("echo:slow:200", "echo:slow:200");
        assertThat(busyAt.get()).as("busy comes at once, not after the queue drains").isLessThan(10_000_000L);
        assertThat(server.counts().get(ServerEvent.BUSY)).isPositive();
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    /** Raw bytes to the server from a plain socket; returns what came back before the server closed it. */
    private static String raw(CommsLab lab, byte[] bytes) throws Exception {
        return lab.net.run("raw", () -> {
            TcpSocket s = TcpSocket.connect(lab.client, Ipv4Address.parseBits(CommsLab.SERVER), 7000, Duration.ofSeconds(5));
            s.setTimeout(Duration.ofSeconds(5));
            s.write(bytes);
            StringBuilder seen = new StringBuilder();
            try {
                byte[] buf = new byte[4096];
                for (int n; (n = s.read(buf)) >= 0; ) {
                    seen.append(n).append(" bytes;");
                }
                seen.append("end");
            } catch (java.net.SocketException reset) {
                seen.append("reset");
            }
            s.close();
            return seen.toString();
        });
    }

    @Test
    void aMalformedOrOversizedFrameClosesOnlyItsOwnConnection() throws Exception {
        CommsLab lab = new CommsLab(3);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults().withMaxBody(1000));
        RequestClient steady = lab.client(ClientConfig.defaults());
        assertThat(text(lab.net.run("before", () -> steady.call(utf8("a"), false)))).isEqualTo("echo:a");
        assertThat(raw(lab, utf8("GET /index.html HTTP/1.0\r\nHost: kv\r\n\r\n"))).isEqualTo("reset");
        byte[] big = FrameFormat.encode(Frame.request(1, false, 0, new byte[1001]));
        assertThat(raw(lab, java.util.Arrays.copyOf(big, FrameFormat.HEADER_BYTES))).isEqualTo("reset");
        byte[] answer = FrameFormat.encode(Frame.response(1, Frame.Status.OK, new byte[0]));
        assertThat(raw(lab, answer)).isEqualTo("reset");
        assertThat(text(lab.net.run("after", () -> steady.call(utf8("b"), false)))).isEqualTo("echo:b");
        assertThat(server.counts().get(ServerEvent.MALFORMED_FRAMES)).isEqualTo(1);
        assertThat(server.counts().get(ServerEvent.OVERSIZED_FRAMES)).isEqualTo(1);
        assertThat(server.counts().get(ServerEvent.UNEXPECTED_FRAMES)).isEqualTo(1);
        assertThat(steady.counts().get(ClientEvent.CONNECTIONS_OPENED)).as("the steady client's connection lived on")
                .isEqualTo(1);
        lab.net.run("stop", () -> {
            steady.close();
            server.close();
            return null;
        });
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aDuplicateRequestIdOnOneConnectionIsRefusedAndTheFirstStillAnswered() throws Exception {
        CommsLab lab = new CommsLab(4);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults());
        List<Frame> frames = lab.net.run("raw", () -> {
            TcpSocket s = TcpSocket.connect(lab.client, Ipv4Address.parseBits(CommsLab.SERVER), 7000, Duration.ofSeconds(5));
            s.setTimeout(Duration.ofSeconds(5));
            s.write(FrameFormat.encode(Frame.request(9, false, 5000, utf8("slow:50"))));
            s.write(FrameFormat.encode(Frame.request(9, false, 5000, utf8("again"))));
            s.shutdownOutput();
            Transport.Channel ch = new Transport.Channel() {
                public int read(byte[] d, int o, int l) throws IOException {
                    return s.read(d, o, l);
                }

                public void write(byte[] d, int o, int l) {
                }

                public void setReadTimeout(Duration t) {
                }

                public String peer() {
                    return "server";
                }

                public void abort() {
                }

                public void close() {
                }
            };
            List<Frame> out = new ArrayList<>();
            for (Frame f; (f = FrameFormat.read(ch, 1000)) != null; ) {
                out.add(f);
            }
            s.close();
            server.close();
            return out;
        });
        assertThat(frames).extracting(Frame::status).containsExactly(Frame.Status.BAD_REQUEST, Frame.Status.OK);
        assertThat(new String(frames.get(1).body(), StandardCharsets.UTF_8)).isEqualTo("echo:slow:50");
        assertThat(server.counts().get(ServerEvent.DUPLICATE_REQUEST_IDS)).isEqualTo(1);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aRequestPastItsDeadlineIsDroppedBeforeAWorkerStartsIt() throws Exception {
        CommsLab lab = new CommsLab(5);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults().withWorkers(1));
        lab.net.run("clients", () -> {
            lab.net.startApplication("hog", () -> {
                try (RequestClient c = lab.client(ClientConfig.defaults())) {
                    assertThat(text(c.call(utf8("slow:300"), false))).isEqualTo("echo:slow:300");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            lab.net.applications().sleepUntil(lab.nanos() + 10_000_000L);
            try (RequestClient c = lab.client(ClientConfig.defaults().withRequestTimeout(MS_100))) {
                assertThatThrownBy(() -> c.call(utf8("late"), false)).isInstanceOf(RequestTimeoutException.class);
            }
            lab.net.applications().sleepUntil(lab.nanos() + 400_000_000L);
            server.close();
            return null;
        });
        assertThat(server.counts().get(ServerEvent.EXPIRED_BEFORE_START) + server.counts().get(ServerEvent.ABANDONED_IN_QUEUE))
                .as("dropped unstarted: expired, or its connection gone first").isEqualTo(1);
        assertThat(server.counts().get(ServerEvent.ANSWERED)).isEqualTo(1);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aWorkerThatHeedsCancellationStopsWhenItsClientGoesAway() throws Exception {
        CommsLab lab = new CommsLab(6);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults());
        long took = lab.net.run("client", () -> {
            long start = lab.nanos();
            try (RequestClient c = lab.client(ClientConfig.defaults().withRequestTimeout(MS_100))) {
                assertThatThrownBy(() -> c.call(utf8("pause:10000"), false)).isInstanceOf(RequestTimeoutException.class);
            }
            while (server.counts().get(ServerEvent.CANCELLED_WHILE_WORKING) == 0 && lab.nanos() - start < 20_000_000_000L) {
                lab.net.applications().sleepUntil(lab.nanos() + 1_000_000L);
            }
            server.close();
            return lab.nanos() - start;
        });
        assertThat(server.counts().get(ServerEvent.CANCELLED_WHILE_WORKING)).isEqualTo(1);
        assertThat(took).as("stopped when the client left, not after 10 s").isLessThan(200_000_000L);
        assertThat(server.counts().get(ServerEvent.LATE_ANSWERS_DISCARDED)).isZero();
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aFailingHandlerIsAnsweredAndTheServerGoesOn() throws Exception {
        CommsLab lab = new CommsLab(7);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults().withWorkers(1));
        List<RequestClient.Reply> replies = lab.net.run("client", () -> {
            try (RequestClient c = lab.client(ClientConfig.defaults())) {
                List<RequestClient.Reply> out = List.of(c.call(utf8("boom"), false), c.call(utf8("nonsense"), false),
                        c.call(utf8("fine"), false));
                server.close();
                return out;
            }
        });
        assertThat(replies).extracting(RequestClient.Reply::status)
                .containsExactly(Frame.Status.FAILED, Frame.Status.BAD_REQUEST, Frame.Status.OK);
        assertThat(text(replies.get(0))).contains("the handler broke");
        assertThat(server.counts().get(ServerEvent.HANDLER_FAILURES)).isEqualTo(1);
        assertThat(server.counts().get(ServerEvent.BAD_REQUESTS)).isEqualTo(1);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    /**
     * The seed's bug at the library's level: a worker still computing the answer to request 1 of
     * a client that was killed, while a new client on the very same 4-tuple sends its own request
     * 1. The late answer is discarded; the new client gets its own answer and nothing else.
     */
    @Test
    void aLateAnswerNeverReachesTheNextConnectionOnTheSameFourTuple() throws Exception {
        CommsLab lab = new CommsLab(8);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults());
        ClientConfig fromPort = ClientConfig.defaults().withLocalPort(41_000).withRetries(0);
        List<String> second = lab.net.run("clients", () -> {
            try (RequestClient killed = lab.client(fromPort.withRequestTimeout(MS_100))) {
                assertThatThrownBy(() -> killed.call(utf8("slow:300"), false)).isInstanceOf(RequestTimeoutException.class);
            }
            List<String> out = new ArrayList<>();
            try (RequestClient next = lab.client(fromPort.withRequestTimeout(Duration.ofSeconds(2)))) {
                out.add(text(next.call(utf8("slow:400"), false))); // still waiting when the late answer is ready
                out.add(text(next.call(utf8("after"), false)));
                assertThat(next.counts().get(ClientEvent.CONNECTIONS_OPENED)).isEqualTo(1);
                assertThat(next.counts().get(ClientEvent.MISDELIVERED)).isZero();
            }
            server.close();
            return out;
        });
        assertThat(second).containsExactly("echo:slow:400", "echo:after");
        assertThat(server.counts().get(ServerEvent.LATE_ANSWERS_DISCARDED)).isEqualTo(1);
        assertThat(server.counts().get(ServerEvent.CONNECTIONS_ACCEPTED)).isEqualTo(2);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aClientThatCannotConnectSaysSoWithinItsTimeout() throws Exception {
        CommsLab lab = new CommsLab(9);
        Throwable t = lab.net.run("client", () -> {
            try (RequestClient c = lab.client(ClientConfig.defaults())) {
                c.call(utf8("anyone?"), true);
                return null;
            } catch (java.net.ConnectException refused) {
                return refused;
            }
        });
        assertThat(t).hasMessageContaining("refused");
        assertThat(lab.closeAndCheckPools()).isTrue();
    }

    @Test
    void aTimeoutLeavesNoConnectionToReuse() throws Exception {
        CommsLab lab = new CommsLab(10);
        RequestServer server = lab.serve(ECHO, ServerConfig.defaults());
        RequestClient c = lab.client(ClientConfig.defaults().withRequestTimeout(MS_100));
        lab.net.run("client", () -> {
            assertThatThrownBy(() -> c.call(utf8("slow:200"), false)).isInstanceOf(RequestTimeoutException.class);
            assertThat(text(c.call(utf8("quick"), false))).isEqualTo("echo:quick");
            c.close();
            lab.net.applications().sleepUntil(lab.nanos() + 300_000_000L);
            server.close();
            return null;
        });
        assertThat(c.counts().get(ClientEvent.CONNECTIONS_OPENED)).as("the timed-out connection was not reused").isEqualTo(2);
        assertThat(c.counts().get(ClientEvent.TIMEOUTS)).isEqualTo(1);
        assertThat(server.counts().get(ServerEvent.LATE_ANSWERS_DISCARDED)).isEqualTo(1);
        assertThat(lab.closeAndCheckPools()).isTrue();
    }
}
