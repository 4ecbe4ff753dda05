package org.netstack4j.stack;

/** A snapshot of one ARP cache entry, for people ({@code ip neigh}). */
public record Neighbor(String address, String mac, String state) {
}
