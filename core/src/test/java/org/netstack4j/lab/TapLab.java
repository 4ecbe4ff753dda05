package org.netstack4j.lab;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.TapDevice;
import org.netstack4j.stack.Counter;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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

    /** Copies the test resource {@code name} (a script next to this class) into {@code ns}'s scratch directory. */
    public static Path resource(Netns ns, String name) throws IOException {
        Path target = ns.dir().resolve(name);
        try (java.io.InputStream in = TapLab.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no resource " + name);
            }
            java.nio.file.Files.copy(in, target);
        }
        return target;
    }

    /** Starts our host on the device (which it then owns). */
    public StandaloneHost startHost(StandaloneHost.Options options) throws Exception {
        host = StandaloneHost.start(tap, options);
        return host;
    }

    // ==== Linux's side: services written by others (see LinuxPeer) =========================

    /** socat answering "this is the host!" on 10.0.2.2:2000 (see {@link LinuxPeer#startSocatService}). */
    public Netns.Background startSocatService() throws Exception {
        return LinuxPeer.startSocatService(ns);
    }

    /** A single-socket Python service answering "this is the host!" (see {@link LinuxPeer#startPythonService}). */
    public Netns.Background startPythonService() throws Exception {
        return LinuxPeer.startPythonService(ns);
    }

    /** dnsmasq on 10.0.2.2:53 (see {@link LinuxPeer#startDnsmasq}). */
    public Netns.Background startDnsmasq() throws Exception {
        return LinuxPeer.startDnsmasq(ns);
    }

    /** One of Linux's counters in the namespace (see {@link LinuxPeer#counter}). */
    public long linuxCounter(String group, String name) throws Exception {
        return LinuxPeer.counter(ns, group, name);
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

    /**
     * Stops our host (closing the device, which then disappears), then removes the namespace,
     * then checks that every buffer of the host came back to its pool.
     */
    @Override
    public void close() throws Exception {
        boolean poolsFull = true;
        try {
            if (host != null) {
                host.close();
                poolsFull = host.poolsFull();
            } else {
                tap.close();
            }
        } finally {
            ns.close();
        }
        assertThat(poolsFull).as("every buffer of the host back in its pool after close").isTrue();
    }
}
