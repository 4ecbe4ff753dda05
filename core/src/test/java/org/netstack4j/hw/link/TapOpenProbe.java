package org.netstack4j.hw.link;

/**
 * Opens a TAP device and reports how it went, for tests that need a process with fewer rights than
 * their own: prints {@code OPENED name} or {@code FAILED reason message}; exit status 0 or 3.
 */
public final class TapOpenProbe {
    private TapOpenProbe() {
    }

    public static void main(String[] args) {
        try (TapDevice tap = TapDevice.open(args[0])) {
            System.out.println("OPENED " + tap.name());
        } catch (TapException e) {
            System.out.println("FAILED " + e.reason() + " " + e.getMessage());
            System.exit(3);
        }
    }
}
