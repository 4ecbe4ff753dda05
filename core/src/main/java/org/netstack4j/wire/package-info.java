/**
 * Packet formats only: validate, read, write, checksum. No state, no I/O, no allocation on the
 * packet path. Safe on any bytes: a bad packet gets a verdict, never an exception.
 */
package org.netstack4j.wire;
