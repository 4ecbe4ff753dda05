/**
 * java.nio on netstack4j: a {@link java.nio.channels.spi.SelectorProvider} whose socket, server
 * socket and datagram channels and whose selectors run over a netstack4j host's TCP and UDP, so
 * an unmodified NIO program (the JDK's HTTP server and client, Netty) runs on the stack. Touches
 * core's public API only.
 */
package org.netstack4j.nio;
