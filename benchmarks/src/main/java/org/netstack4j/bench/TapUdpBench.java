package org.netstack4j.bench;

import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.TapEchoRig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * UDP echo over real links, in one run: a netstack4j host talking to Linux over a TAP device,
 * beside the JDK's sockets on Linux talking to the same Linux echo server over a veth pair
 * ({@link TapEchoRig}, which the bench's TAP rows use too). Not a test; figures only. Needs root
 * and /dev/net/tun; everything happens in namespaces the rig makes and removes (10.0.2.0/24).
 *
 * <pre>
 *   ./netstack4j tap-bench [--seconds 3] [--warmup 2] [--windows 1,32] [--mode napi] [--payload 64]
 * </pre>
 */
public final class TapUdpBench {
    private TapUdpBench() {
    }

    public static void main(String[] args) throws Exception {
        long seconds = 3;
        long warmup = 2;
        List<Integer> windows = List.of(1, 32);
        WakeMode mode = WakeMode.NAPI;
        int payload = 64;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = bounded(args[++i], 1, 60);
                case "--warmup" -> warmup = bounded(args[++i], 0, 30);
                case "--windows" -> {
                    windows = new ArrayList<>();
                    for (String w : args[++i].split(",")) {
                        windows.add((int) bounded(w, 1, 256));
                    }
                }
                case "--mode" -> mode = WakeMode.parse(args[++i]);
                case "--payload" -> payload = (int) bounded(args[++i], 1, 1472);
                default -> {
                    System.err.println("usage: TapUdpBench [--seconds 1..60] [--warmup 0..30] [--windows 1,32] "
                            + "[--mode interrupt|napi|poll] [--payload 1..1472]");
                    System.exit(2);
                }
            }
        }
        String problem = TapEchoRig.unavailable();
        if (problem != null) {
            System.err.println("TapUdpBench cannot run here: " + problem);
            System.exit(2);
        }
        System.out.printf(Locale.ROOT, "UDP echo over real links: %d-byte datagrams, %d s per figure after %d s warm-up, "
                + "netstack4j in %s mode; %d cores%n", payload, seconds, warmup, mode.cliName(),
                Runtime.getRuntime().availableProcessors());
        for (int window : windows) {
            TapEchoRig.Burst tap;
            long tapLost;
            try (TapEchoRig rig = TapEchoRig.overTap(mode, payload)) {
                rig.window(window, warmup * 1_000_000_000L);
                tap = rig.window(window, seconds * 1_000_000_000L);
                tapLost = rig.lost();
            }
            TapEchoRig.Burst veth;
            long vethLost;
            try (TapEchoRig rig = TapEchoRig.overVeth(payload)) {
                rig.window(window, warmup * 1_000_000_000L);
                veth = rig.window(window, seconds * 1_000_000_000L);
                vethLost = rig.lost();
            }
            print("netstack4j <-> Linux, TAP", window, tap, tapLost);
            print("Linux <-> Linux, veth", window, veth, vethLost);
            System.out.printf(Locale.ROOT, "  window %-3d netstack4j/Linux: %.2f%n", window, tap.perSecond() / veth.perSecond());
        }
    }

    private static long bounded(String s, long min, long max) {
        long v = Long.parseLong(s);
        if (v < min || v > max) {
            throw new IllegalArgumentException(s + " is not in " + min + ".." + max);
        }
        return v;
    }

    private static void print(String what, int window, TapEchoRig.Burst r, long lost) {
        System.out.printf(Locale.ROOT, "  window %-3d %-28s %,10.0f echoes/s  (%,10.0f packets/s, %.1f us per echo)  lost %d%n",
                window, what, r.perSecond(), 2 * r.perSecond(), r.nanos() / 1e3 / Math.max(1, r.echoes()) * window, lost);
    }
}
