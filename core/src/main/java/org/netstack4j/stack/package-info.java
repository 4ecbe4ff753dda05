/**
 * One host's protocol software: interfaces, the ARP neighbour cache, routes, IPv4 input, output,
 * forwarding, fragmentation and reassembly, ICMP, UDP, and the event loop that owns all of it.
 * Everything here runs on the host's CPU (its loop thread), so there are no locks in protocol
 * code; application threads reach it only through {@link org.netstack4j.stack.Host#submit} and
 * the endpoints' single-producer rings. It may touch {@code wire}, {@code buffer}, {@code exec}
 * and the {@link org.netstack4j.driver.NetDevice} interface, never the hardware model.
 */
package org.netstack4j.stack;
