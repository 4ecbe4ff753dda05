/**
 * Packet memory: DMA memory with bus addresses, packet buffers with headroom, and the fixed pools
 * that own them (RTnet's rtskb pools). Pools are allocated once; taking and returning a buffer
 * allocate nothing, and an empty pool answers "none" for the caller to count as a drop. This room
 * depends only on the JDK.
 */
package org.netstack4j.buffer;
