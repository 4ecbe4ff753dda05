/**
 * The comms library: requests and answers in length-prefixed frames over a stream transport
 * (netstack4j TCP, or the JDK's sockets for comparison), a server with a bounded worker pool and
 * a client with deadlines and retries. A worker never holds a socket: its answer goes back through
 * the {@link org.netstack4j.comms.Call} it was given, which names one connection and one request,
 * so an answer that comes late, after its connection is gone or replaced, is discarded and counted.
 * Threads and waits go through core's {@code exec.Applications}, so the same server runs on real
 * threads and, deterministically, in simulated time. Touches core's public API only.
 */
package org.netstack4j.comms;
