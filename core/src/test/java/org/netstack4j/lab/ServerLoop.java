package org.netstack4j.lab;

import org.netstack4j.stack.SocketClosedException;

/**
 * A test's server loop: repeats one round (receive, answer) until its socket is closed, the one
 * ending a test expects. Anything else a round throws ends the thread with that cause, which the
 * {@link Network} rethrows at the test's next run or at close: a dying server fails its test
 * with the reason, instead of showing up later as a timeout, or not at all.
 */
public final class ServerLoop {

    /** One round of a server. */
    @FunctionalInterface
    public interface Round {
        void run() throws Exception;
    }

    private ServerLoop() {
    }

    /** A body for {@link Network#startApplication} that runs {@code round} until its socket closes. */
    public static Runnable untilClosed(Round round) {
        return () -> {
            try {
                while (true) {
                    round.run();
                }
            } catch (SocketClosedException closed) {
                // the test closed the socket: the server is over
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("server round failed: " + e, e);
            }
        };
    }
}
