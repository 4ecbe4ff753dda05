package org.netstack4j.lab;

import org.netstack4j.exec.Simulation;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.stack.tcp.TcpConnection;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * One bulk transfer between two hosts of a simulated network, driven from the simulation's own
 * thread with the loop-side calls: the sender writes a pattern as fast as its buffer takes it,
 * the receiver reads and checks every byte, and the simulation steps in between. The loss rig
 * and the offload transfer move their bytes this way.
 */
final class SimulatedTransfer {
    /** The pattern's length: a prime, so it lines up with no segment, chunk or buffer size. */
    private static final int PATTERN = 65_521;
    private static final byte[] BYTES = new byte[PATTERN];

    static {
        new SplittableRandom(PATTERN).nextBytes(BYTES);
    }

    /** What moved: both ends' connections (still open), the bytes read and whether each was the one written. */
    record Result(TcpConnection sent, TcpConnection received, long bytes, boolean exact, double seconds) {
    }

    private SimulatedTransfer() {
    }

    /**
     * Listens on {@code port} of {@code receiver}, connects {@code sender} to it at {@code address}
     * and moves {@code bytes}; fails if it has not finished within {@code limitNanos} of simulated time.
     */
    static Result run(Simulation sim, TcpLayer sender, TcpLayer receiver, int address, int port, long bytes,
                      long limitNanos) throws IOException {
        TcpLayer.Listener l = receiver.listenNow(0, port, 1, null);
        TcpConnection out = sender.connectNow(address, port, null);
        long start = sim.nanos();
        TcpConnection in = null;
        byte[] chunk = new byte[64 * 1024];
        long written = 0;
        long read = 0;
        boolean exact = true;
        while (read < bytes) {
            if (sim.nanos() - start > limitNanos || out.failure() != null) {
                throw new IOException("the transfer did not finish (" + read + " of " + bytes + " bytes): " + out);
            }
            while (written < bytes) {
                int at = (int) (written % PATTERN);
                int n = sender.writeNow(out, BYTES, at, (int) Math.min(PATTERN - at, bytes - written));
                if (n == 0) {
                    break;
                }
                written += n;
            }
            if (in == null) {
                in = receiver.acceptNow(l, null);
            }
            int n;
            while (in != null && (n = receiver.readNow(in, chunk, 0, chunk.length)) > 0) {
                for (int i = 0; i < n && exact; i++) {
                    exact = chunk[i] == BYTES[(int) ((read + i) % PATTERN)];
                }
                read += n;
            }
            if (read < bytes && !sim.step(start + limitNanos)) {
                throw new IOException("nothing left to happen at " + read + " of " + bytes + " bytes: " + out);
            }
        }
        return new Result(out, in, read, exact, (sim.nanos() - start) / 1e9);
    }
}
