/**
 * Packet formats only: validate, read, write, checksum. No state, no I/O, no allocation on the
 * packet path. Safe on any bytes: a bad packet gets a verdict, never an exception.
 *
 * <p>Each header class is a set of static methods over a {@link org.netstack4j.buffer.PacketBuffer}
 * whose data starts at that header: {@code check} first, then the getters (which trust what
 * {@code check} accepted), and writers that fill index 0 of room the caller already prepended or
 * appended. Going up, the stack trims each header off; going down, it prepends the next. Addresses
 * are bare numbers: a MAC in the low 48 bits of a {@code long}, an IPv4 address in an {@code int}.
 *
 * <p>This room may touch {@code buffer} and the JDK, nothing else. {@link org.netstack4j.wire.DnsMessage}
 * and {@link org.netstack4j.wire.DhcpMessage} are the exceptions to "no allocation": they work on
 * byte arrays for clients on application threads.
 */
package org.netstack4j.wire;
