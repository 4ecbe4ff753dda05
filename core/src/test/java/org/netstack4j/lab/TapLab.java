package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.TapDevice;
import org.netstack4j.stack.Counter;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The xv6 lab's network with Linux as the gateway: a namespace made for the test, a TAP device
 * opened by this JVM and moved into it, Linux's end of it at 10.0.2.2/24 (up, IPv6 off), and our
 * host at 10.0.2.15/24 (52:54:00:12:34:56) on the device. The device is created in this process's
 * namespace (that is where TUNSETIFF makes it) but moved before it is brought up, so nothing is
 * sent outside the test's namespace. Close removes everything.
 */
public final class TapLab implements AutoCloseable {
    public static final String LINUX_IP = "10.0.2.2";
    public static final String HOST_IP = "10.0.2.15";
    public static final String HOST_MAC = LabWorld.HOST_MAC;
    /** The DNS record our host serves and that dnsmasq on the Linux side serves in tests. */
    public static final Map<String, List<Integer>> LAB_RECORDS =
            Map.of(LabWorld.DNS_NAME, List.of(Ipv4Address.parseBits(LabWorld.DNS_ADDRESS)));

    private final Netns ns;
    private final TapDevice tap;
    private StandaloneHost host;

    private TapLab(Netns ns, TapDevice tap) {
        this.ns = ns;
        this.tap = tap;
    }

    /** The namespace, the TAP device in it and Linux's address on it; no host yet. */
    public static TapLab create() throws IOException, InterruptedException {
        Netns ns = Netns.create();
        TapDevice tap = null;
        try {
            tap = TapDevice.open(Netns.newInterfaceName());
            ns.adopt(tap.name());
            ns.ip("addr", "add", LINUX_IP + "/24", "dev", tap.name());
            ns.ip("link", "set", "dev", tap.name(), "up");
            return new TapLab(ns, tap);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (tap != null) {
                tap.close();
            }
            ns.close();
            throw e;
        }
    }

    /** {@link #create()}, then our host with the lab's services (UDP port 2000, DNS) in {@code mode}. */
    public static TapLab withHost(WakeMode mode, Path capture) throws Exception {
        TapLab lab = create();
        try {
            lab.startHost(hostOptions(mode).withCapture(capture));
            return lab;
        } catch (Exception e) {
            lab.close();
            throw e;
        }
    }

    /** The lab guest's identity with the lab's services. */
    public static StandaloneHost.Options hostOptions(WakeMode mode) {
        return StandaloneHost.Options.labGuest(mode).withServices(LAB_RECORDS);
    }

    /** Starts our host on the device (which it then owns). */
    public StandaloneHost startHost(StandaloneHost.Options options) throws Exception {
        host = StandaloneHost.start(tap, options);
        return host;
    }

    // ==== Linux's side: services written by others ========================================

    /**
     * The xv6 lab's host service on Linux: socat answers each datagram to 10.0.2.2:2000 with "this
     * is the host!", a child process per datagram. The child's command reads (a byte of) the
     * datagram before it answers: one that answered without reading could exit before socat
     * handed it the datagram, and socat then dies of EPIPE without sending the answer.
     */
    public Netns.Background startSocatService() throws Exception {
        RealPeers.require("socat", "ss");
        Netns.Background b = ns.start("socat", "UDP4-RECVFROM:" + LabWorld.SERVICE_PORT + ",bind=" + LINUX_IP + ",fork",
                "SYSTEM:head -c 1 >/dev/null; echo -n " + LabWorld.ANSWER);
        awaitUdpPort(b, LabWorld.SERVICE_PORT);
        return b;
    }

    /**
     * The xv6 lab's host service as the lab itself runs it (its {@code server.py}): one Python
     * socket on Linux's stack at 10.0.2.2:2000 answering every datagram with "this is the host!".
     * Unlike socat's per-datagram children, it loses nothing to many clients at once.
     */
    public Netns.Background startPythonService() throws Exception {
        RealPeers.require("python3", "ss");
        String program = String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('" + LINUX_IP + "', " + LabWorld.SERVICE_PORT + "))",
                "while True:",
                "    data, peer = s.recvfrom(2048)",
                "    s.sendto(b'" + LabWorld.ANSWER + "', peer)");
        Netns.Background b = ns.start(RealPeers.find("python3"), "-c", program);
        awaitUdpPort(b, LabWorld.SERVICE_PORT);
        return b;
    }

    /**
     * dnsmasq on 10.0.2.2:53, authoritative for nothing upstream: pdos.csail.mit.edu is
     * 128.52.129.126, alias.lab is a CNAME for it, and other names under .lab do not exist.
     */
    public Netns.Background startDnsmasq() throws Exception {
        RealPeers.require("dnsmasq", "ss");
        Netns.Background b = ns.start("dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + LINUX_IP, "--except-interface=lo",
                "--host-record=" + LabWorld.DNS_NAME + "," + LabWorld.DNS_ADDRESS,
                "--cname=alias.lab," + LabWorld.DNS_NAME, "--local=/lab/",
                "--pid-file=" + ns.dir().resolve("dnsmasq.pid"), "--conf-file=/dev/null", "--log-facility=-",
                "--user=root", "--group=root");
        b.awaitOutput("started", RealPeers.TOOL_TIMEOUT);
        awaitUdpPort(b, 53);
        return b;
    }

    private void awaitUdpPort(Netns.Background b, int port) throws Exception {
        long deadline = System.nanoTime() + RealPeers.TOOL_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Netns.Result r = ns.exec(RealPeers.TOOL_TIMEOUT, "ss", "-Hlun", "sport", "= :" + port);
            if (r.ok() && !r.out().isBlank()) {
                return;
            }
            if (!b.process().isAlive()) {
                throw new IllegalStateException("the service on port " + port + " ended: " + b.out() + b.err());
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("nothing listens on UDP port " + port + " in " + ns.name());
    }

    /** One of Linux's counters in the namespace, from /proc/net/snmp (group "Ip", "Icmp", "Udp"; name "InEchos"). */
    public long linuxCounter(String group, String name) throws Exception {
        Netns.Result r = ns.exec(RealPeers.TOOL_TIMEOUT, "cat", "/proc/net/snmp");
        String[] lines = r.out().split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith(group + ":") && lines[i + 1].startsWith(group + ":")) {
                String[] names = lines[i].split("\\s+");
                String[] values = lines[i + 1].split("\\s+");
                for (int k = 1; k < names.length; k++) {
                    if (names[k].equals(name)) {
                        return Long.parseLong(values[k]);
                    }
                }
            }
        }
        throw new IllegalArgumentException("no counter " + group + " " + name + " in /proc/net/snmp:\n" + r.out());
    }

    public Netns ns() {
        return ns;
    }

    public TapDevice tap() {
        return tap;
    }

    /** The device's name (the same inside the namespace). */
    public String tapName() {
        return tap.name();
    }

    public StandaloneHost host() {
        return host;
    }

    /** One of our host's counters (a slightly stale view while it runs). */
    public long count(Counter c) {
        return host.host().counters().get(c);
    }

    /** Stops our host (closing the device, which then disappears), then removes the namespace. */
    @Override
    public void close() throws Exception {
        try {
            if (host != null) {
                host.close();
            } else {
                tap.close();
            }
        } finally {
            ns.close();
        }
    }
}
