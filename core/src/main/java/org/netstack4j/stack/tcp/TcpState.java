package org.netstack4j.stack.tcp;

/** The states of RFC 9293 3.3.2 that a connection object passes through (LISTEN is the listener's). */
public enum TcpState {
    CLOSED, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT;

    /** Both SYNs seen: sequence numbers on both sides are known. */
    public boolean synchronized_() {
        return this != CLOSED && this != SYN_SENT && this != SYN_RECEIVED;
    }

    /** States in which data from the peer is still accepted (its FIN not yet received). */
    boolean receivesData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }
}
