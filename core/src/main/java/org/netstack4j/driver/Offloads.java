package org.netstack4j.driver;

/**
 * The work a network card may take off the CPU, each switchable per interface.
 *
 * <p>Real-time configurations turn all three off (RTnet's port of Intel's e1000e driver shorted
 * out the TCP offloading code for being a real-time stack): with segmentation one descriptor puts
 * up to 64 KB on the wire in one go, so a frame's transmit time is no longer bounded by one MTU and
 * a time slot cannot be guaranteed; and checksum work done by the card is work the scheduler
 * neither sees nor accounts for per frame. See {@link DriverConfig#of}.
 *
 * @param txChecksum the card inserts IPv4 TCP and UDP checksums (context descriptor, POPTS.TXSM)
 * @param rxChecksum the card checks IPv4 header, TCP and UDP checksums (RXCSUM) and the stack trusts its verdict
 * @param tso        the card cuts TCP segments of up to 64 KB into MSS-sized frames (TSE); needs
 *                   {@code txChecksum}, since every frame's checksum is computed by the card
 */
public record Offloads(boolean txChecksum, boolean rxChecksum, boolean tso) {
    /** Nothing offloaded: every device that says nothing offers this (TAP, test devices). */
    public static final Offloads NONE = new Offloads(false, false, false);
    /** Everything the E1000 offers. */
    public static final Offloads ALL = new Offloads(true, true, true);

    public Offloads {
        if (tso && !txChecksum) {
            throw new IllegalArgumentException("TCP segmentation offload needs transmit checksum offload");
        }
    }

    public boolean any() {
        return txChecksum || rxChecksum || tso;
    }

    /** As ethtool -k names them: tx-checksumming, rx-checksumming, tcp-segmentation-offload. */
    @Override
    public String toString() {
        return "tx-checksum " + (txChecksum ? "on" : "off") + ", rx-checksum " + (rxChecksum ? "on" : "off")
                + ", tso " + (tso ? "on" : "off");
    }
}
