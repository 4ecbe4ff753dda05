package org.netstack4j.lab;

/**
 * Linux's side of a real-peer test, inside a {@link Netns}: services written by others (socat,
 * a Python socket, dnsmasq) at 10.0.2.2, Linux's own counters, and a namespace holding a
 * persistent TAP device for a netstack4j process started inside it.
 */
public final class LinuxPeer {
    private LinuxPeer() {
    }

    /**
     * A namespace with a persistent TAP device {@code tapName} whose Linux end is 10.0.2.2/24 and
     * up, for a process started in the namespace ({@code ip netns exec}) to attach to by name.
     */
    public static Netns withPersistentTap(String tapName) throws java.io.IOException, InterruptedException {
        Netns ns = Netns.create();
        try {
            ns.ip("tuntap", "add", "dev", tapName, "mode", "tap");
            ns.ip("addr", "add", TapLab.LINUX_IP + "/24", "dev", tapName);
            ns.ip("link", "set", "dev", tapName, "up");
            return ns;
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /**
     * The xv6 lab's host service on Linux: socat answers each datagram to 10.0.2.2:2000 with "this
     * is the host!", a child process per datagram. The child's command reads (a byte of) the
     * datagram before it answers: one that answered without reading could exit before socat
     * handed it the datagram, and socat then dies of EPIPE without sending the answer.
     */
    public static Netns.Background startSocatService(Netns ns) throws Exception {
        RealPeers.require("socat", "ss");
        Netns.Background b = ns.start("socat", "UDP4-RECVFROM:" + LabWorld.SERVICE_PORT + ",bind=" + TapLab.LINUX_IP + ",fork",
                "SYSTEM:head -c 1 >/dev/null; echo -n " + LabWorld.ANSWER);
        awaitUdpPort(ns, b, LabWorld.SERVICE_PORT);
        return b;
    }

    /**
     * The xv6 lab's host service as the lab itself runs it (its {@code server.py}): one Python
     * socket on Linux's stack at 10.0.2.2:2000 answering every datagram with "this is the host!".
     * Unlike socat's per-datagram children, it loses nothing to many clients at once.
     */
    public static Netns.Background startPythonService(Netns ns) throws Exception {
        RealPeers.require("python3", "ss");
        String program = String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('" + TapLab.LINUX_IP + "', " + LabWorld.SERVICE_PORT + "))",
                "while True:",
                "    data, peer = s.recvfrom(2048)",
                "    s.sendto(b'" + LabWorld.ANSWER + "', peer)");
        Netns.Background b = ns.start(RealPeers.find("python3"), "-c", program);
        awaitUdpPort(ns, b, LabWorld.SERVICE_PORT);
        return b;
    }

    /**
     * dnsmasq on 10.0.2.2:53, authoritative for nothing upstream: pdos.csail.mit.edu is
     * 128.52.129.126, alias.lab is a CNAME for it, and other names under .lab do not exist.
     */
    public static Netns.Background startDnsmasq(Netns ns) throws Exception {
        RealPeers.require("dnsmasq", "ss");
        Netns.Background b = ns.start("dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + TapLab.LINUX_IP, "--except-interface=lo",
                "--host-record=" + LabWorld.DNS_NAME + "," + LabWorld.DNS_ADDRESS,
                "--cname=alias.lab," + LabWorld.DNS_NAME, "--local=/lab/",
                "--pid-file=" + ns.dir().resolve("dnsmasq.pid"), "--conf-file=/dev/null", "--log-facility=-",
                "--user=root", "--group=root");
        b.awaitOutput("started", RealPeers.TOOL_TIMEOUT);
        awaitUdpPort(ns, b, 53);
        return b;
    }

    private static void awaitUdpPort(Netns ns, Netns.Background b, int port) throws Exception {
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
    public static long counter(Netns ns, String group, String name) throws Exception {
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
}
