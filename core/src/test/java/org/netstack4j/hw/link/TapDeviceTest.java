package org.netstack4j.hw.link;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.netstack4j.lab.Netns;
import org.netstack4j.lab.RealPeers;
import org.netstack4j.wire.MacAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.netstack4j.hw.link.Frames.ip;

/**
 * The TAP medium on its own, with a recording connector where a card would be: opening and its
 * errors, frames both ways with Linux in a namespace made for the test, counters, and close. The
 * tests that need root and /dev/net/tun skip without them, unless CI=true.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TapDeviceTest {
    private static final long OUR_MAC = 0x5254_0012_3456L;
    private static final int OUR_IP = ip(10, 0, 2, 15);
    private static final int LINUX_IP = ip(10, 0, 2, 2);
    private static final Duration T = RealPeers.TOOL_TIMEOUT;

    @Test
    void aMissingCloneDeviceIsNoSuchDevice() {
        assertThatThrownBy(() -> TapDevice.open("tap0", "/nonexistent/net/tun"))
                .isInstanceOfSatisfying(TapException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TapException.Reason.NO_SUCH_DEVICE);
                    assertThat(e.getMessage()).doesNotContain("\n")
                            .contains("cannot open TAP device tap0", "no such device", "/nonexistent/net/tun");
                });
    }

    @Test
    void badNamesAreRefusedWithAReason() {
        for (String name : List.of("", "sixteen-chars-xx", "a/b", "a b", "..", "tap:0")) {
            assertThatThrownBy(() -> TapDevice.open(name)).as(name)
                    .isInstanceOfSatisfying(TapException.class, e -> {
                        assertThat(e.reason()).isEqualTo(TapException.Reason.INVALID);
                        assertThat(e.getMessage()).doesNotContain("\n").contains("cannot open TAP device");
                    });
        }
    }

    @Test
    void aDeviceOpenElsewhereIsBusy() throws Exception {
        RealPeers.require("ip");
        // Never brought up, so it carries nothing while it sits in this process's namespace.
        try (TapDevice first = TapDevice.open(Netns.newInterfaceName())) {
            assertThatThrownBy(() -> TapDevice.open(first.name()))
                    .isInstanceOfSatisfying(TapException.class, e -> {
                        assertThat(e.reason()).isEqualTo(TapException.Reason.DEVICE_BUSY);
                        assertThat(e.getMessage()).doesNotContain("\n").contains(first.name(), "device busy");
                    });
        }
    }

    @Test
    void anInterfaceThatIsNotATapIsRefused() {
        RealPeers.require("ip");
        assertThatThrownBy(() -> TapDevice.open("lo"))
                .isInstanceOfSatisfying(TapException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TapException.Reason.INVALID);
                    assertThat(e.getMessage()).doesNotContain("\n").contains("lo", "not a TAP device");
                });
    }

    @Test
    void withoutCapNetAdminItIsNoPermission() throws Exception {
        RealPeers.require("setpriv");
        // Root, but with every capability dropped: /dev/net/tun opens, TUNSETIFF is refused.
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(RealPeers.find("setpriv"), "--bounding-set=-all", "--inh-caps=-all",
                "--ambient-caps=-all", java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), TapOpenProbe.class.getName(), Netns.newInterfaceName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(3);
        assertThat(out.strip()).startsWith("FAILED NO_PERMISSION").contains("no permission", "CAP_NET_ADMIN")
                .doesNotContain("\n");
    }

    /** A TAP device moved into a fresh namespace, Linux's end at 10.0.2.2/24 and up; a recorder as the card. */
    private record Rig(Netns ns, TapDevice tap, RecordingConnector card) implements AutoCloseable {
        static Rig start(boolean up) throws Exception {
            Netns ns = Netns.create();
            TapDevice tap = null;
            try {
                tap = TapDevice.open(Netns.newInterfaceName());
                ns.adopt(tap.name());
                ns.ip("addr", "add", "10.0.2.2/24", "dev", tap.name());
                if (up) {
                    ns.ip("link", "set", "dev", tap.name(), "up");
                }
                RecordingConnector card = new RecordingConnector("card");
                tap.connect(card);
                return new Rig(ns, tap, card);
            } catch (Exception e) {
                if (tap != null) {
                    tap.close();
                }
                ns.close();
                throw e;
            }
        }

        long linuxMac() throws Exception {
            Netns.Result r = ns.exec(T, "cat", "/sys/class/net/" + tap.name() + "/address");
            return MacAddress.parse(r.out().strip()).bits();
        }

        @Override
        public void close() throws Exception {
            try {
                tap.close();
            } finally {
                ns.close();
            }
        }
    }

    @Test
    void framesFlowBothWaysAndAreCounted() throws Exception {
        RealPeers.require("ip");
        try (Rig rig = Rig.start(true)) {
            // Linux knows our MAC already, so its answer to our echo request is the only frame it sends.
            rig.ns().ip("neigh", "replace", "10.0.2.15", "lladdr", "52:54:00:12:34:56", "dev", rig.tap().name());
            byte[] data = new byte[56];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) i;
            }
            byte[] request = Frames.icmpEcho(rig.linuxMac(), OUR_MAC, OUR_IP, LINUX_IP, 0x4a4a, 7, data);
            rig.card().transmit(request);

            assertThat(RealPeers.await(() -> !replies(rig.card()).isEmpty(), 5000)).as("an echo reply from Linux").isTrue();
            byte[] reply = replies(rig.card()).getFirst();
            assertThat(Frames.macAt(reply, 0)).isEqualTo(OUR_MAC);
            assertThat(reply).hasSize(request.length);
            var c = rig.tap().counterValues();
            assertThat(c.txFrames()).isEqualTo(1);
            assertThat(c.txBytes()).isEqualTo(request.length);
            assertThat(c.rxFrames()).isGreaterThanOrEqualTo(1);
            assertThat(c.rxBytes()).isGreaterThanOrEqualTo(reply.length);
            assertThat(c.txErrors() + c.rxErrors() + c.rxShortReads() + c.txShortWrites()).isZero();
            // Linux's own counters on its end of the device agree.
            String stats = rig.ns().exec(T, "cat", "/sys/class/net/" + rig.tap().name() + "/statistics/rx_packets").out();
            assertThat(Long.parseLong(stats.strip())).isEqualTo(1);
        }
    }

    @Test
    void aReceiveThreadKilledByABugSaysWhyInsteadOfFallingSilent() throws Exception {
        RealPeers.require("ip");
        RealPeers.require("ping");
        Netns ns = Netns.create();
        try (ns; TapDevice tap = TapDevice.open(Netns.newInterfaceName())) {
            ns.adopt(tap.name());
            ns.ip("addr", "add", "10.0.2.2/24", "dev", tap.name());
            ns.ip("link", "set", "dev", tap.name(), "up");
            AtomicLong wrapped = new AtomicLong();
            // The wrapper is applied outbound first, then to the card's input: make the input a bug.
            tap.connect(new RecordingConnector("card"), link -> wrapped.incrementAndGet() == 1 ? link
                    : (frame, offset, length) -> {
                        throw new AssertionError("planted: a card input that throws");
                    });
            assertThat(tap.receiverFailure()).isNull();
            ns.exec(T, "ping", "-c", "1", "-W", "1", "10.0.2.15"); // its ARP request reaches the input
            assertThat(RealPeers.await(() -> tap.receiverFailure() != null, 5000)).isTrue();
            assertThat(tap.receiverFailure()).isInstanceOf(AssertionError.class).hasMessageContaining("planted");
        }
    }

    /** ICMP echo replies (type 0) among the frames the card received. */
    private static List<byte[]> replies(RecordingConnector card) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : card.received()) {
            if (f.length >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 1 && f[34] == 0) {
                out.add(f);
            }
        }
        return out;
    }

    @Test
    void closeIsPromptAndNoFrameIsWrittenAfterIt() throws Exception {
        RealPeers.require("ip");
        try (Rig rig = Rig.start(true)) {
            Link stale = rig.card().output();
            assertThat(rig.tap().isReceiving()).isTrue();
            long start = System.nanoTime();
            rig.tap().close();
            long millis = (System.nanoTime() - start) / 1_000_000;

            // The receive thread ended (joined, not given up on); the time is only bounded loosely,
            // since a loaded machine may take long to schedule it after the wake.
            assertThat(rig.tap().isReceiving()).as("the receive thread ended").isFalse();
            assertThat(rig.tap().lastError()).as("close did not give up on the receive thread").isNull();
            assertThat(millis).as("close took %d ms", millis).isLessThan(5_000);
            assertThat(rig.card().attached()).as("the card was unplugged").isFalse();
            byte[] frame = Frames.numbered(Frames.BROADCAST, OUR_MAC, 1, 60);
            stale.send(MemorySegment.ofArray(frame), 0, frame.length);
            assertThat(rig.tap().counterValues().txAfterClose()).isEqualTo(1);
            assertThat(rig.tap().counterValues().txFrames()).isZero();
            rig.tap().close(); // idempotent
        }
    }

    @Test
    void writesWhileLinuxKeepsItsEndDownAreCountedErrors() throws Exception {
        RealPeers.require("ip");
        try (Rig rig = Rig.start(false)) {
            rig.card().transmit(Frames.numbered(Frames.BROADCAST, OUR_MAC, 1, 60));
            var c = rig.tap().counterValues();
            assertThat(c.txErrors()).isEqualTo(1);
            assertThat(c.txFrames()).isZero();
            assertThat(rig.tap().lastError()).contains("write", "up on the Linux side");
        }
    }

    @Test
    void steadyStateFramesAllocateNothingEitherWay() throws Exception {
        RealPeers.require("ip");
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        CountingCard card = new CountingCard(); // the recorder keeps copies, which allocate
        try (Netns ns = Netns.create(); TapDevice tap = TapDevice.open(Netns.newInterfaceName());
             Arena arena = Arena.ofConfined()) {
            ns.adopt(tap.name());
            ns.ip("addr", "add", "10.0.2.2/24", "dev", tap.name());
            ns.ip("link", "set", "dev", tap.name(), "up");
            ns.ip("neigh", "replace", "10.0.2.15", "lladdr", "52:54:00:12:34:56", "dev", tap.name());
            long linuxMac = MacAddress.parse(ns.exec(T, "cat", "/sys/class/net/" + tap.name() + "/address").out().strip()).bits();
            tap.connect(card);
            // An echo request in native memory, as the card's DMA memory is; Linux answers each one.
            byte[] request = Frames.icmpEcho(linuxMac, OUR_MAC, OUR_IP, LINUX_IP, 0x4a4a, 1, new byte[56]);
            MemorySegment frame = arena.allocate(request.length + 64);
            MemorySegment.copy(request, 0, frame, ValueLayout.JAVA_BYTE, 64, request.length);
            Link send = card.output;

            // Bursts small enough for Linux's input backlog (1,000 frames), each waited for; the
            // result is what the sending itself allocated (the waiting allocates, and is not counted).
            LongSupplier burst = () -> {
                long allocated = 0;
                for (int chunk = 0; chunk < 20; chunk++) {
                    long before = card.count.get();
                    long start = mx.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 250; i++) {
                        send.send(frame, 64, request.length);
                    }
                    allocated += mx.getCurrentThreadAllocatedBytes() - start;
                    try {
                        RealPeers.await(() -> card.count.get() >= before + 250, 2_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return allocated;
            };
            for (int i = 0; i < 8; i++) { // warm up (JIT): 40,000 frames
                burst.getAsLong();
            }
            assertThat(card.count.get()).isGreaterThan(20_000);
            // One frame at a time, so that each answer is a wake-up of its own: the poll path runs
            // once per wake-up and needs that many calls before the JIT's last tier.
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int i = 0; i < 20_000 && System.nanoTime() < deadline; i++) {
                long before = card.count.get();
                send.send(frame, 64, request.length);
                while (card.count.get() == before && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
            long rxThread = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tap-" + tap.name())).findFirst().orElseThrow().threadId();
            // Steady state: rounds of 5,000 frames each way until one allocates nothing on either
            // thread (the JIT settles at its own pace on a busy machine); at most 8.
            List<String> rounds = new ArrayList<>();
            boolean clean = false;
            for (int round = 0; round < 8 && !clean; round++) {
                long rxBefore = mx.getThreadAllocatedBytes(rxThread);
                long received = card.count.get();
                long txAllocated = burst.getAsLong();
                long rxAllocated = mx.getThreadAllocatedBytes(rxThread) - rxBefore;
                long answers = card.count.get() - received;
                assertThat(answers).as("answers in a round").isGreaterThan(2_500);
                rounds.add("tx " + txAllocated + " B, rx " + rxAllocated + " B for " + answers + " answers");
                clean = txAllocated < 1024 && rxAllocated < 1024;
            }
            assertThat(clean).as("bytes allocated per round of 5,000 frames each way: %s", rounds).isTrue();
            assertThat(tap.counterValues().txErrors() + tap.counterValues().rxErrors()).isZero();
        }
    }

    /** A card that only counts what arrives. */
    private static final class CountingCard implements Connector {
        final AtomicLong count = new AtomicLong();
        volatile Link output = Link.NOWHERE;
        private final Link input = (f, o, l) -> count.incrementAndGet();

        @Override
        public Link input() {
            return input;
        }

        @Override
        public void attach(Link out) {
            output = out;
        }

        @Override
        public void detach() {
            output = Link.NOWHERE;
        }
    }

    @Test
    void countersHaveAStableShape() {
        assertThat(new TapDevice.Counters().toMap()).containsOnlyKeys("rx_frames", "rx_bytes", "rx_short_reads",
                "rx_errors", "rx_wakeups", "tx_frames", "tx_bytes", "tx_short_writes", "tx_errors", "tx_after_close");
    }
}
