package org.netstack4j.stack;

/**
 * Every event a host counts, grouped by protocol and named as {@code netstat -s} and
 * {@code nstat} name them where Linux has a name. Each drop has its own counter.
 */
public enum Counter {
    // Ethernet demultiplexing
    ETH_IN_FRAMES("ethernet", "InFrames"),
    ETH_TOO_SHORT("ethernet", "InTooShort"),
    ETH_NOT_FOR_US("ethernet", "InNotForUs"),
    ETH_UNKNOWN_TYPE("ethernet", "InUnknownTypes"),
    ETH_OUT_FRAMES("ethernet", "OutFrames"),
    ETH_TX_QUEUE_FULL("ethernet", "OutQueueFull"),
    ETH_BACKLOG_FULL("ethernet", "BacklogDrops"),

    // ARP
    ARP_IN_PACKETS("arp", "InPackets"),
    ARP_IN_ERRORS("arp", "InErrors"),
    ARP_IN_REQUESTS("arp", "InRequests"),
    ARP_IN_REPLIES("arp", "InReplies"),
    ARP_OUT_REQUESTS("arp", "OutRequests"),
    ARP_OUT_REPLIES("arp", "OutReplies"),
    ARP_OUT_GRATUITOUS("arp", "OutGratuitous"),
    ARP_REQUESTS_RATE_LIMITED("arp", "RequestsRateLimited"),
    ARP_RESOLUTION_FAILED("arp", "ResolutionFailed"),
    ARP_UNRESOLVED_DROPS("arp", "UnresolvedDrops"),
    ARP_PENDING_FULL("arp", "PendingQueueFull"),
    ARP_TABLE_FULL("arp", "TableFull"),
    ARP_ADDRESS_CONFLICTS("arp", "AddressConflicts"),
    ARP_OUT_DISCARDS("arp", "OutDiscards"),

    // IPv4 (RFC 4293 names)
    IP_IN_RECEIVES("ip", "InReceives"),
    IP_IN_HDR_ERRORS("ip", "InHdrErrors"),
    IP_IN_CSUM_ERRORS("ip", "InCsumErrors"),
    IP_IN_ADDR_ERRORS("ip", "InAddrErrors"),
    /** Malformed options (also counted in InHdrErrors), answered with a parameter problem. */
    IP_IN_BAD_OPTIONS("ip", "InBadOptions"),
    /** Source-routed datagrams, refused (Linux's accept_source_route = 0). */
    IP_IN_SOURCE_ROUTED("ip", "InSourceRouted"),
    IP_IN_UNKNOWN_PROTOS("ip", "InUnknownProtos"),
    IP_IN_DELIVERS("ip", "InDelivers"),
    IP_FORW_DATAGRAMS("ip", "ForwDatagrams"),
    IP_TTL_EXCEEDED("ip", "InTtlExceeded"),
    IP_OUT_REQUESTS("ip", "OutRequests"),
    IP_OUT_NO_ROUTES("ip", "OutNoRoutes"),
    IP_OUT_DISCARDS("ip", "OutDiscards"),
    IP_REASM_REQDS("ip", "ReasmReqds"),
    IP_REASM_OKS("ip", "ReasmOKs"),
    IP_REASM_FAILS("ip", "ReasmFails"),
    IP_REASM_TIMEOUT("ip", "ReasmTimeout"),
    IP_REASM_OVERLAPS("ip", "ReasmOverlaps"),
    IP_REASM_NO_COLLECTOR("ip", "ReasmNoCollector"),
    IP_FRAG_OKS("ip", "FragOKs"),
    IP_FRAG_FAILS("ip", "FragFails"),
    IP_FRAG_CREATES("ip", "FragCreates"),
    IP_REASM_EVICTED("ip", "ReasmEvicted"),
    IP_REASM_DUPLICATES("ip", "ReasmDuplicates"),

    // ICMP
    ICMP_IN_MSGS("icmp", "InMsgs"),
    ICMP_IN_ERRORS("icmp", "InErrors"),
    ICMP_IN_CSUM_ERRORS("icmp", "InCsumErrors"),
    ICMP_IN_ECHOS("icmp", "InEchos"),
    ICMP_IN_ECHO_REPS("icmp", "InEchoReps"),
    ICMP_IN_ECHO_REPS_UNCLAIMED("icmp", "InEchoRepsUnclaimed"),
    ICMP_IN_ECHO_REPS_DROPPED("icmp", "InEchoRepsDropped"),
    ICMP_IN_DEST_UNREACHS("icmp", "InDestUnreachs"),
    ICMP_IN_TIME_EXCDS("icmp", "InTimeExcds"),
    ICMP_IN_OTHER("icmp", "InOtherTypes"),
    ICMP_OUT_MSGS("icmp", "OutMsgs"),
    ICMP_OUT_ECHOS("icmp", "OutEchos"),
    ICMP_OUT_ECHO_REPS("icmp", "OutEchoReps"),
    ICMP_OUT_DEST_UNREACHS("icmp", "OutDestUnreachs"),
    ICMP_OUT_TIME_EXCDS("icmp", "OutTimeExcds"),
    ICMP_OUT_PARM_PROBS("icmp", "OutParmProbs"),
    ICMP_OUT_RATE_LIMITED("icmp", "OutRateLimited"),
    ICMP_IN_ECHOS_TO_BROADCAST("icmp", "InEchosBroadcastIgnored"),

    // UDP
    // TCP: RFC 4022's counters, then a named counter for each drop
    TCP_ACTIVE_OPENS("tcp", "ActiveOpens"),
    TCP_PASSIVE_OPENS("tcp", "PassiveOpens"),
    TCP_ATTEMPT_FAILS("tcp", "AttemptFails"),
    TCP_ESTAB_RESETS("tcp", "EstabResets"),
    /** A gauge: connections now in ESTABLISHED or CLOSE-WAIT. */
    TCP_CURR_ESTAB("tcp", "CurrEstab"),
    TCP_IN_SEGS("tcp", "InSegs"),
    TCP_OUT_SEGS("tcp", "OutSegs"),
    TCP_RETRANS_SEGS("tcp", "RetransSegs"),
    /** Retransmission timeouts: the timer expired with data or a SYN unacknowledged (Linux's TCPTimeouts). */
    TCP_TIMEOUTS("tcp", "Timeouts"),
    /** Tail loss probes sent (RFC 8985 7; Linux's TCPLossProbes). */
    TCP_TAIL_PROBES("tcp", "TailLossProbes"),
    /** Retransmissions RACK found lost: a segment sent after one was delivered first (Linux's TCPLostRetransmit). */
    TCP_LOST_RETRANSMITS("tcp", "LostRetransmits"),
    /** D-SACKs received: the peer got a segment twice (Linux's TCPDSACKRecv). */
    TCP_DSACK_RECEIVED("tcp", "DsackReceived"),
    /** D-SACKs sent: a segment came twice (Linux's TCPDSACKOldSent and TCPDSACKOfoSent). */
    TCP_DSACK_SENT("tcp", "DsackSent"),
    /** Window reductions undone because D-SACK showed every retransmission needless (Linux's TCPDSACKUndo). */
    TCP_RECOVERY_UNDONE("tcp", "DsackUndo"),
    /** A peer dropped data it had SACKed, seen as an ACK stopping where it began (Linux's TCPSACKReneging). */
    TCP_SACK_RENEGED("tcp", "SackReneging"),
    TCP_IN_ERRS("tcp", "InErrs"),
    TCP_IN_CSUM_ERRORS("tcp", "InCsumErrors"),
    TCP_OUT_RSTS("tcp", "OutRsts"),
    /** RSTs not sent for segments nobody takes: the host's rate limit (HostConfig.resetsPerSecond) was spent. */
    TCP_OUT_RSTS_RATE_LIMITED("tcp", "OutRstsRateLimited"),
    /** Segments for no connection and no listener (answered with RST unless they were RSTs). */
    TCP_IN_NO_LISTENER("tcp", "InNoListener"),
    /** SYNs a listener refused: its accept queue and half-open connections were at their bound. */
    TCP_LISTEN_OVERFLOWS("tcp", "ListenOverflows"),
    /** SYNs refused because the host's connection table was full. */
    TCP_TABLE_FULL("tcp", "TableFull"),
    /** Segments sent when no buffer was free (the connection retries on its timer). */
    TCP_OUT_NO_BUFFER("tcp", "OutNoBuffer"),
    /** Stream memory (chunk takes) refused at the hard limit, the budget less its reserve: data in was dropped or pruned for, or a write waited. */
    TCP_MEMORY_REFUSED("tcp", "MemoryRefused"),
    /** Connections reset because data arrived after the application had closed them (as Linux's TCPAbortOnData). */
    TCP_ABORT_ON_DATA("tcp", "AbortOnData"),
    /** ICMP errors that reached a connection (unreachable, time exceeded, fragmentation needed). */
    TCP_IN_ICMP_ERRORS("tcp", "InIcmpErrors"),
    /** ICMP errors ignored: no such connection, or not quoting data in flight (RFC 5927; Linux's OutOfWindowIcmps). */
    TCP_ICMP_IGNORED("tcp", "IcmpIgnored"),
    /** Segments dropped by PAWS: older than the connection's last timestamp (RFC 7323; Linux's PAWSEstab). */
    TCP_PAWS_DROPPED("tcp", "PAWSDropped"),
    /** Segments outside the receive window (answered with an ACK, rate-limited unless they carry data). */
    TCP_OUT_OF_WINDOW_DROPPED("tcp", "OutOfWindowDropped"),
    /** Out-of-order data dropped: every range of the connection's bound was in use (Linux's TCPOFODrop). */
    TCP_OFO_DROPPED("tcp", "OfoDropped"),
    /** Received data dropped because stream memory was spent, in all (the peer sends it again): RcvQDrop plus OfoNoMemoryDrop. */
    TCP_NO_MEMORY_DROPPED("tcp", "NoMemoryDropped"),
    /** In-order data dropped: no memory for it even after pruning, and the connection held some already (Linux's TCPRcvQDrop). */
    TCP_RCVQ_DROP("tcp", "RcvQDrop"),
    /** Out-of-order data dropped for want of stream memory: the hard limit reached (Linux's TCPOFODrop). */
    TCP_OFO_NO_MEMORY_DROP("tcp", "OfoNoMemoryDrop"),
    /** Times the host's stream memory came under pressure (Linux's TCPMemoryPressures). */
    TCP_MEMORY_PRESSURES("tcp", "MemoryPressures"),
    /** Milliseconds spent under memory pressure (Linux's TCPMemoryPressuresChrono). */
    TCP_MEMORY_PRESSURES_CHRONO("tcp", "MemoryPressuresChrono"),
    /** Memory refused to received data, so out-of-order data beyond it was pruned, if any (Linux's PruneCalled). */
    TCP_PRUNE_CALLED("tcp", "PruneCalled"),
    /** Out-of-order ranges given up for data before them; the peer sends them again (Linux's OfoPruned). */
    TCP_OFO_PRUNED("tcp", "OfoPruned"),
    /** Challenge ACKs sent for RSTs and SYNs in the window but not exact (RFC 5961; Linux's TCPChallengeACK). */
    TCP_CHALLENGE_ACKS("tcp", "ChallengeAcks"),
    /** Answers to unacceptable segments held back by the 500 ms rate limit (Linux's TCPACKSkipped*). */
    TCP_ACK_RATE_LIMITED("tcp", "AckRateLimited"),
    /** TIME-WAIT connections ended early by a SYN that starts a new incarnation of their 4-tuple (RFC 6191). */
    TCP_TIME_WAIT_REUSED("tcp", "TimeWaitReused"),
    /** SYN-ACKs sent with a SYN cookie because the listener's SYN queue was full (Linux's SyncookiesSent). */
    TCP_SYN_COOKIES_SENT("tcp", "SyncookiesSent"),
    /** ACKs that returned a good cookie: a connection made (or, the accept queue full, dropped; Linux's SyncookiesRecv). */
    TCP_SYN_COOKIES_RECEIVED("tcp", "SyncookiesRecv"),
    /** ACKs to a listener that had sent cookies lately, with no good cookie: answered with RST (Linux's SyncookiesFailed). */
    TCP_SYN_COOKIES_FAILED("tcp", "SyncookiesFailed"),
    /** SYNs dropped because the SYN queue was full and SYN cookies are off (Linux's TCPReqQFullDrop). */
    TCP_SYN_QUEUE_FULL_DROPS("tcp", "ReqQFullDrop"),
    /** Calls on a TCP handle after its close, refused (the handle can reach no other connection). */
    TCP_CLOSED_HANDLE_REFUSED("tcp", "ClosedHandleRefused"),
    /** Loop-side handlers (TcpEvents) that threw: their connection was reset, the rest went on. */
    TCP_HANDLER_FAILURES("tcp", "HandlerFailures"),

    UDP_IN_DATAGRAMS("udp", "InDatagrams"),
    UDP_NO_PORTS("udp", "NoPorts"),
    UDP_IN_ERRORS("udp", "InErrors"),
    UDP_IN_CSUM_ERRORS("udp", "InCsumErrors"),
    UDP_RCVBUF_ERRORS("udp", "RcvbufErrors"),
    UDP_NOT_CONNECTED_PEER("udp", "InFromOtherPeer"),
    /** Datagrams from or to port 0: dropped before any socket sees them. */
    UDP_IN_PORT_ZERO("udp", "InPortZero"),
    /** Port unreachables for an unconnected socket (or none): not passed on. */
    UDP_UNREACHABLE_IGNORED("udp", "InUnreachIgnored"),
    /** Datagrams an application sent to port 0 or an address no host has: refused, not sent. */
    UDP_OUT_BAD_DESTINATION("udp", "OutBadDestination"),
    UDP_OUT_DATAGRAMS("udp", "OutDatagrams"),
    UDP_SNDBUF_ERRORS("udp", "SndbufErrors"),
    UDP_SENDS_AFTER_CLOSE("udp", "SendsAfterClose"),

    // Buffers
    BUF_TX_POOL_EMPTY("buffers", "TxPoolEmpty"),
    BUF_LARGE_POOL_EMPTY("buffers", "LargePoolEmpty");

    private final String protocol;
    private final String netstatName;

    Counter(String protocol, String netstatName) {
        this.protocol = protocol;
        this.netstatName = netstatName;
    }

    public String protocol() {
        return protocol;
    }

    public String netstatName() {
        return netstatName;
    }
}
