/**
 * Media: what moves whole Ethernet frames between cards. A {@link org.netstack4j.hw.link.Link} is
 * one direction of a wire; a {@link org.netstack4j.hw.link.Connector} is a card's socket. Cables
 * and switches join connectors; capture and fault injection wrap any link. This room touches
 * {@code buffer} and {@code exec} (for delays) only, and {@code wire} for MAC addresses.
 */
package org.netstack4j.hw.link;
