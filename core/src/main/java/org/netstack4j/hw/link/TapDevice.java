package org.netstack4j.hw.link;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Linux TAP device as a medium: one card on one side, Linux's own network stack on the other.
 * Opened with {@code java.lang.foreign} only (see {@link Libc}): {@code /dev/net/tun}, then
 * {@code ioctl(TUNSETIFF)} with {@code IFF_TAP | IFF_NO_PI}, so each {@code read(2)} or
 * {@code write(2)} is exactly one Ethernet frame without FCS, the same framing our media use.
 * Opening creates the device if it does not exist (root or CAP_NET_ADMIN), or attaches to a
 * persistent one ({@code ip tuntap add dev tap0 mode tap [user U]}).
 *
 * <p>What the card transmits is written to the device on the card's own thread (writes never
 * block: the descriptor is non-blocking). Neither direction allocates per frame. A platform thread waits in {@code poll(2)} on the device
 * and on an {@code eventfd} that {@link #close()} signals, so close is prompt; it reads whatever
 * frames are ready and hands each to the card's input, on that thread, as a wire would.
 *
 * <p>Close is clean in the sense of the comms-library bug the design rules out: once
 * {@link #close()} has begun, no frame is ever written to the file descriptor (which the kernel may
 * hand out again, to a database file, as soon as it is closed): a late transmit is counted in
 * {@code tx_after_close} and dropped. Writes and close are serialised by one lock; the receive
 * thread is joined before its descriptors are closed.
 */
public final class TapDevice extends AbstractExternalMedium {
    /** The clone device that TUN/TAP interfaces are opened through. */
    public static final String TUN_PATH = "/dev/net/tun";
    /** The largest frame a TAP device can carry: MTU 65535 plus the Ethernet header (and a VLAN tag). */
    static final int MAX_FRAME = 65_535 + 14 + 4;
    private static final int ETHERNET_HEADER = 14;
    /** Frames read per wake-up before polling again (and looking at the close signal). */
    private static final int READ_BATCH = 64;
    /** The longest a receive thread sleeps in poll without looking at the stop flag. */
    private static final int POLL_TIMEOUT_MILLIS = 1000;

    /** Frames and errors each way. Each side has one writer (the receive thread; the transmit lock holder). */
    public static final class Counters {
        volatile long rxFrames;
        volatile long rxBytes;
        volatile long rxShortReads;
        volatile long rxErrors;
        volatile long rxWakeups;
        volatile long txFrames;
        volatile long txBytes;
        volatile long txShortWrites;
        volatile long txErrors;
        volatile long txAfterClose;

        Counters() {
        }

        /** Frames read from the device and handed to the card. */
        public long rxFrames() {
            return rxFrames;
        }

        public long rxBytes() {
            return rxBytes;
        }

        /** Reads shorter than an Ethernet header: not a frame, dropped. */
        public long rxShortReads() {
            return rxShortReads;
        }

        /** Failed reads or polls (the errno is in {@link TapDevice#lastError()}). */
        public long rxErrors() {
            return rxErrors;
        }

        /** Frames the card sent that were written whole to the device. */
        public long txFrames() {
            return txFrames;
        }

        public long txBytes() {
            return txBytes;
        }

        /** Writes that took only part of a frame (the kernel dropped the rest). */
        public long txShortWrites() {
            return txShortWrites;
        }

        /** Failed writes: EIO while the Linux side of the device is down, for instance. */
        public long txErrors() {
            return txErrors;
        }

        /** Frames the card sent after close began: dropped, never written. */
        public long txAfterClose() {
            return txAfterClose;
        }

        public Map<String, Long> toMap() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("rx_frames", rxFrames);
            m.put("rx_bytes", rxBytes);
            m.put("rx_short_reads", rxShortReads);
            m.put("rx_errors", rxErrors);
            m.put("rx_wakeups", rxWakeups);
            m.put("tx_frames", txFrames);
            m.put("tx_bytes", txBytes);
            m.put("tx_short_writes", txShortWrites);
            m.put("tx_errors", txErrors);
            m.put("tx_after_close", txAfterClose);
            return m;
        }

        @Override
        public String toString() {
            return toMap().toString();
        }
    }

    private final String name;
    private final Arena arena;
    private final int fd;
    private final int wakeFd;
    private final Counters counters = new Counters();
    private final MemorySegment txState;
    private final MemorySegment txStaging;
    private final MemorySegment rxState;
    private final MemorySegment rxBuffer;
    private final MemorySegment pollFds;
    private final MemorySegment wakeValue;
    private volatile String lastError;
    private volatile Throwable deliveryFailure;

    private TapDevice(String name, Arena arena, int fd, int wakeFd) {
        super("tap-" + name);
        this.name = name;
        this.arena = arena;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.txState = Libc.newCallState(arena);
        this.txStaging = arena.allocate(MAX_FRAME, 64);
        this.rxState = Libc.newCallState(arena);
        this.rxBuffer = arena.allocate(MAX_FRAME + 1, 64);
        this.pollFds = arena.allocate(2 * Libc.POLLFD_SIZE, 8);
        this.wakeValue = arena.allocate(8, 8);
    }

    /**
     * Opens (or creates) the TAP device {@code name}. Fails with a one-line {@link TapException}
     * naming the cause: no permission, no such device (no TUN/TAP driver), device busy, or a name
     * that is taken by something other than a TAP device.
     */
    public static TapDevice open(String name) throws TapException {
        return open(name, TUN_PATH);
    }

    /** As {@link #open(String)}, through another clone device (tests use a missing one). */
    static TapDevice open(String name, String tunPath) throws TapException {
        Objects.requireNonNull(name, "name");
        checkName(name);
        Arena arena = Arena.ofShared();
        int fd = -1;
        int wakeFd = -1;
        try {
            MemorySegment state = Libc.newCallState(arena);
            fd = Libc.open(state, Libc.cString(arena, tunPath), Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd < 0) {
                throw openFailed(name, tunPath, Libc.errno(state));
            }
            MemorySegment ifr = arena.allocate(Libc.IFREQ_SIZE, 8);
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(bytes, 0, ifr, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Libc.setShort(ifr, Libc.IFREQ_FLAGS, (short) (Libc.IFF_TAP | Libc.IFF_NO_PI));
            if (Libc.ioctl(state, fd, Libc.TUNSETIFF, ifr) < 0) {
                throw attachFailed(name, Libc.errno(state));
            }
            String actual = ifr.getString(0, StandardCharsets.US_ASCII);
            wakeFd = Libc.eventfd(state, 0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (wakeFd < 0) {
                int errno = Libc.errno(state);
                throw new TapException(TapException.Reason.OTHER, errno,
                        "cannot open TAP device " + name + ": eventfd failed: " + describe(errno));
            }
            return new TapDevice(actual, arena, fd, wakeFd);
        } catch (TapException | RuntimeException e) {
            if (fd >= 0) {
                Libc.close(fd);
            }
            if (wakeFd >= 0) {
                Libc.close(wakeFd);
            }
            arena.close();
            throw e;
        }
    }

    /** Linux's rules for interface names (dev_valid_name), checked here for a clearer message. */
    private static void checkName(String name) throws TapException {
        String problem = null;
        if (name.isEmpty()) {
            problem = "the name is empty";
        } else if (name.length() >= Libc.IFNAMSIZ) {
            problem = "the name is longer than " + (Libc.IFNAMSIZ - 1) + " characters";
        } else if (name.equals(".") || name.equals("..")) {
            problem = "the name cannot be . or ..";
        } else {
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= ' ' || c >= 0x7F || c == '/' || c == ':') {
                    problem = "the name may not contain '/', ':', spaces or non-ASCII characters";
                    break;
                }
            }
        }
        if (problem != null) {
            throw new TapException(TapException.Reason.INVALID, 0, "cannot open TAP device '" + name + "': " + problem);
        }
    }

    private static TapException openFailed(String name, String path, int errno) {
        String prefix = "cannot open TAP device " + name + ": ";
        return switch (errno) {
            case Libc.ENOENT, Libc.ENXIO, Libc.ENODEV -> new TapException(TapException.Reason.NO_SUCH_DEVICE, errno,
                    prefix + "no such device: " + path + ": " + describe(errno)
                            + " (no TUN/TAP support here; load it with: modprobe tun)");
            case Libc.EACCES, Libc.EPERM -> new TapException(TapException.Reason.NO_PERMISSION, errno,
                    prefix + "no permission to open " + path + ": " + describe(errno) + " (run as root or with CAP_NET_ADMIN)");
            default -> new TapException(TapException.Reason.OTHER, errno, prefix + path + ": " + describe(errno));
        };
    }

    private static TapException attachFailed(String name, int errno) {
        String prefix = "cannot open TAP device " + name + ": ";
        return switch (errno) {
            case Libc.EPERM, Libc.EACCES -> new TapException(TapException.Reason.NO_PERMISSION, errno,
                    prefix + "no permission: " + describe(errno) + " (creating a device needs root or CAP_NET_ADMIN; "
                            + "or make a persistent one for this user first: ip tuntap add dev " + name
                            + " mode tap user $USER)");
            case Libc.EBUSY -> new TapException(TapException.Reason.DEVICE_BUSY, errno,
                    prefix + "device busy: " + describe(errno) + " (another process has it open)");
            case Libc.EINVAL -> new TapException(TapException.Reason.INVALID, errno,
                    prefix + "an interface named " + name + " exists and is not a TAP device: " + describe(errno));
            case Libc.ENODEV, Libc.ENXIO, Libc.ENOENT -> new TapException(TapException.Reason.NO_SUCH_DEVICE, errno,
                    prefix + "no such device: " + describe(errno) + " (no TUN/TAP support here; load it with: modprobe tun)");
            default -> new TapException(TapException.Reason.OTHER, errno, prefix + "TUNSETIFF failed: " + describe(errno));
        };
    }

    private static String describe(int errno) {
        return Libc.strerror(errno) + " (errno " + errno + ")";
    }

    /** The interface's name, as the kernel gave it. */
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return "TAP device " + name;
    }

    // ==== Transmit: the card's thread =====================================================

    @Override
    void transmit(MemorySegment frame, long offset, int length) {
        synchronized (txLock) {
            if (closed) {
                counters.txAfterClose++;
                return;
            }
            // One copy into a buffer of our own: no slice object per frame (nothing allocated), and
            // heap segments work too. Next to the write(2) it feeds, the copy costs little.
            length = Math.min(length, MAX_FRAME);
            MemorySegment.copy(frame, offset, txStaging, 0, length);
            long written = Libc.write(txState, fd, txStaging, length);
            if (written == length) {
                counters.txFrames++;
                counters.txBytes += written;
            } else if (written >= 0) {
                counters.txShortWrites++;
            } else {
                int errno = Libc.errno(txState);
                counters.txErrors++;
                noteError("write", errno);
            }
        }
    }

    // ==== Receive: the device's own thread ================================================

    @Override
    void receiveLoop() {
        long tap = 0;
        long wake = Libc.POLLFD_SIZE;
        pollFds.set(ValueLayout.JAVA_INT, tap, fd);
        pollFds.set(ValueLayout.JAVA_SHORT, tap + Libc.POLLFD_EVENTS, Libc.POLLIN);
        pollFds.set(ValueLayout.JAVA_INT, wake, wakeFd);
        pollFds.set(ValueLayout.JAVA_SHORT, wake + Libc.POLLFD_EVENTS, Libc.POLLIN);
        while (!stopping) {
            int ready = waitForFrames();
            if (ready < 0) {
                int errno = Libc.errno(rxState);
                if (errno != Libc.EINTR) {
                    counters.rxErrors++;
                    noteError("poll", errno);
                    pause();
                }
                continue;
            }
            if (stopping || pollFds.get(ValueLayout.JAVA_SHORT, wake + Libc.POLLFD_REVENTS) != 0) {
                return;
            }
            short events = pollFds.get(ValueLayout.JAVA_SHORT, tap + Libc.POLLFD_REVENTS);
            if ((events & Libc.POLLIN) != 0) {
                counters.rxWakeups++;
                if (!readReady()) {
                    return;
                }
            } else if ((events & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0) {
                counters.rxErrors++;
                noteError("poll", Libc.EBADFD);
                return; // the device is gone (deleted under us): nothing more will come
            }
        }
    }

    /**
     * One poll(2) on the device and the close signal. A method of its own, called once per
     * wake-up, so the JIT compiles it whole (not only as part of the long-running loop) and the
     * downcall's errno segment slice is optimised away: nothing is allocated per wake-up.
     */
    private int waitForFrames() {
        pollFds.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_REVENTS, (short) 0);
        pollFds.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_SIZE + Libc.POLLFD_REVENTS, (short) 0);
        return Libc.poll(rxState, pollFds, 2, POLL_TIMEOUT_MILLIS);
    }

    /** Reads up to a batch of frames; false when the device is gone and the loop should end. */
    private boolean readReady() {
        for (int i = 0; i < READ_BATCH && !stopping; i++) {
            long n = Libc.read(rxState, fd, rxBuffer, rxBuffer.byteSize());
            if (n < 0) {
                int errno = Libc.errno(rxState);
                if (errno == Libc.EAGAIN) {
                    return true;
                }
                if (errno == Libc.EINTR) {
                    continue;
                }
                counters.rxErrors++;
                noteError("read", errno);
                if (errno == Libc.EBADFD) {
                    return false;
                }
                pause();
                return true;
            }
            if (n < ETHERNET_HEADER) {
                counters.rxShortReads++;
                continue;
            }
            counters.rxFrames++;
            counters.rxBytes += n;
            try {
                inbound.send(rxBuffer, 0, (int) n);
            } catch (RuntimeException e) {
                counters.rxErrors++;
                if (deliveryFailure == null) {
                    deliveryFailure = e;
                }
                lastError = "delivering a frame to the card failed: " + e;
            }
        }
        return true;
    }

    /** After an unexpected error, a short rest, so a persistent one cannot spin a core. */
    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void noteError(String call, int errno) {
        String hint = errno == Libc.EIO && call.equals("write") ? " (is " + name + " up on the Linux side?)" : "";
        lastError = call + ": " + describe(errno) + hint;
    }

    // ==== Views and close =================================================================

    public Counters counterValues() {
        return counters;
    }

    @Override
    public Map<String, Long> counters() {
        return counters.toMap();
    }

    /** The last error a read, write or poll met, as one line; null if none. */
    @Override
    public String lastError() {
        return lastError;
    }

    /** The first exception the card's input threw on the receive thread, or null. */
    public Throwable deliveryFailure() {
        return deliveryFailure;
    }

    /** True while the receive thread is running. */
    public boolean isReceiving() {
        Thread t = receiver();
        return t != null && t.isAlive();
    }

    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        // From here on no frame is written (close waited for one in progress), and the card is unplugged.
        boolean stopped = true;
        if (receiver() != null) {
            wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
            Libc.write(txState, wakeFd, wakeValue, 8);
            stopped = joinReceiver();
        }
        if (!stopped) {
            // The receive thread is stuck in the card: leave its memory and descriptors alone.
            lastError = "the receive thread did not stop within " + JOIN_MILLIS + " ms";
            return;
        }
        Libc.close(fd);
        Libc.close(wakeFd);
        arena.close();
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + "]";
    }
}
