package org.netstack4j.nio;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.hw.link.SwitchAddress;
import org.netstack4j.lab.LabWorld;
import org.netstack4j.lab.MediumSpec;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.stack.Host;
import org.netstack4j.wire.Ipv4Address;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The stack the installed provider stands on, from system properties (or a properties file named
 * by {@code netstack4j.config}, whose keys are the same): {@code netstack4j.tap} (a TAP device) or
 * {@code netstack4j.switch} ({@code unix:PATH} or {@code udp:PORT}), {@code netstack4j.ip}
 * (ADDR/PREFIX, default 10.0.2.15/24) or {@code netstack4j.dhcp=true}, {@code netstack4j.gw},
 * {@code netstack4j.mac}, {@code netstack4j.mode} (interrupt, napi, poll). The host lives until the
 * JVM exits.
 */
final class StackProperties {
    private StackProperties() {
    }

    static Properties read() throws IOException {
        Properties p = new Properties();
        String file = System.getProperty("netstack4j.config");
        if (file != null) {
            try (Reader r = Files.newBufferedReader(Path.of(file))) {
                p.load(r);
            }
        }
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("netstack4j.")) {
                p.setProperty(key, System.getProperty(key));
            }
        }
        return p;
    }

    static Host startHost() throws IOException {
        Properties p = read();
        String tap = p.getProperty("netstack4j.tap");
        String sw = p.getProperty("netstack4j.switch");
        if ((tap == null) == (sw == null)) {
            throw new IOException("netstack4j's NIO provider needs -Dnetstack4j.tap=DEVICE or -Dnetstack4j.switch=unix:PATH "
                    + "(one of them), or a host given by NetstackSelectorProvider.install");
        }
        MediumSpec medium = tap != null ? new MediumSpec.Tap(tap) : new MediumSpec.Switch(SwitchAddress.parse(sw));
        boolean dhcp = Boolean.parseBoolean(p.getProperty("netstack4j.dhcp", "false"));
        String gw = p.getProperty("netstack4j.gw");
        WakeMode mode = switch (p.getProperty("netstack4j.mode", "napi").toLowerCase(Locale.ROOT)) {
            case "interrupt" -> WakeMode.INTERRUPT;
            case "poll" -> WakeMode.BUSY_POLL;
            case "napi" -> WakeMode.NAPI;
            default -> throw new IOException("netstack4j.mode must be interrupt, napi or poll");
        };
        StandaloneHost.Options options = new StandaloneHost.Options(p.getProperty("netstack4j.mac", LabWorld.HOST_MAC),
                dhcp ? null : p.getProperty("netstack4j.ip", "10.0.2.15/24"), gw == null ? null : Ipv4Address.parseBits(gw),
                mode, null, false, Map.of(), null);
        ExternalMedium opened = medium.open();
        try {
            StandaloneHost h = StandaloneHost.start(opened, options);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    h.close();
                } catch (Exception ignored) {
                    // the JVM is going; the host with it
                }
            }, "netstack4j-nio-stop"));
            return h.host();
        } catch (Exception e) {
            opened.close();
            throw e instanceof IOException io ? io : new IOException("cannot start netstack4j: " + e.getMessage(), e);
        }
    }
}
