/**
 * What applications use: UDP sockets, the ping client, and (built on them) the DNS resolver and
 * responder. Calls block the calling application thread through the host's
 * {@link org.netstack4j.exec.Applications}, so the same program runs on real threads or inside
 * a simulation. A handle reaches only the endpoint it was made for: after close every call fails.
 * It may touch {@code stack}'s public API and {@code wire}.
 */
package org.netstack4j.socket;
