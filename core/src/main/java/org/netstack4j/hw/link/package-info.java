/**
 * Media: what moves whole Ethernet frames between cards. A {@link org.netstack4j.hw.link.Link} is
 * one direction of a wire; a {@link org.netstack4j.hw.link.Connector} is a card's socket. Cables
 * and switches join connectors; capture and fault injection wrap any link. An
 * {@link org.netstack4j.hw.link.ExternalMedium} leads out of the JVM: a Linux TAP device
 * ({@link org.netstack4j.hw.link.TapDevice}, bound to libc with {@code java.lang.foreign} in
 * {@code Libc}), with Linux's own stack on the far side; or a switch in another process
 * ({@link org.netstack4j.hw.link.SwitchLink} to a {@link org.netstack4j.hw.link.SwitchServer}, in
 * QEMU's stream and dgram framing, {@link org.netstack4j.hw.link.QemuStream}). This room touches {@code buffer} and
 * {@code exec} (for delays) only, and {@code wire} for MAC addresses.
 */
package org.netstack4j.hw.link;
