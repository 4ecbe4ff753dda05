/**
 * TCP (RFC 9293), the parts of a connection that stand on their own: the retransmission timer's
 * estimator (RFC 6298) and congestion control behind one interface (CUBIC, RFC 9438, by default;
 * NewReno, RFC 5681 and 6582, per connection), the two sharing slow start and fast recovery.
 * Each piece is plain state driven by explicit calls and the current time, so it is tested with
 * crafted events and no host; the connection that uses them lives on the host's loop.
 *
 * <p>This room may touch {@code wire}, {@code buffer} and the JDK; it holds no thread and takes no lock.
 */
package org.netstack4j.stack.tcp;
