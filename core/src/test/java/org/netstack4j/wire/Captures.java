package org.netstack4j.wire;

/**
 * Whole Ethernet frames captured from real stacks, as hex.
 *
 * <p>Frames named {@code LINUX_*} were captured with dumpcap on a veth pair between two Linux
 * network namespaces (10.0.2.15 = 66:0c:ee:58:71:42 asking, 10.0.2.2 = 0e:f1:07:7f:42:b8
 * answering), transmit checksum offload turned off so the UDP checksums on the wire are real:
 * the kernels' ARP, iputils ping with 19 bytes of payload (an odd ICMP length) and the kernel's
 * echo reply, a UDP datagram to a closed port and the kernel's port unreachable, and glibc's
 * resolver asking dnsmasq 2.90 (which answers a CNAME by compressing the A record's owner name
 * into the CNAME's RDATA). tshark reports every IP, ICMP and UDP checksum in them as good.
 */
final class Captures {
    private Captures() {
    }

    static final String LINUX_ARP_REQUEST = """
            ff ff ff ff ff ff 66 0c ee 58 71 42 08 06 00 01 08 00 06 04 00 01 66 0c ee 58 71 42 0a 00 02 0f
            00 00 00 00 00 00 0a 00 02 02""";

    static final String LINUX_ARP_REPLY = """
            66 0c ee 58 71 42 0e f1 07 7f 42 b8 08 06 00 01 08 00 06 04 00 02 0e f1 07 7f 42 b8 0a 00 02 02
            66 0c ee 58 71 42 0a 00 02 0f""";

    static final String LINUX_ECHO_REQUEST = """
            0e f1 07 7f 42 b8 66 0c ee 58 71 42 08 00 45 00 00 2f 3a c9 40 00 40 01 e7 f4 0a 00 02 0f 0a 00
            02 02 08 00 50 a0 24 94 00 01 b2 ea 06 6b 00 00 00 00 de 0e 09 00 00 00 00 00 6e 65 74""";

    static final String LINUX_ECHO_REPLY = """
            66 0c ee 58 71 42 0e f1 07 7f 42 b8 08 00 45 00 00 2f da ae 00 00 40 01 88 0f 0a 00 02 02 0a 00
            02 0f 00 00 58 a0 24 94 00 01 b2 ea 06 6b 00 00 00 00 de 0e 09 00 00 00 00 00 6e 65 74""";

    /** "hello, netstack4j" from port 46827 to the discard port, 9. */
    static final String LINUX_UDP = """
            0e f1 07 7f 42 b8 66 0c ee 58 71 42 08 00 45 00 00 2d a0 24 40 00 40 11 82 8b 0a 00 02 0f 0a 00
            02 02 b6 eb 00 09 00 19 bc c9 68 65 6c 6c 6f 2c 20 6e 65 74 73 74 61 63 6b 34 6a""";

    /** Port unreachable, TOS 0xc0, quoting the whole datagram above. */
    static final String LINUX_PORT_UNREACHABLE = """
            66 0c ee 58 71 42 0e f1 07 7f 42 b8 08 00 45 c0 00 49 da e1 00 00 40 01 87 02 0a 00 02 02 0a 00
            02 0f 03 03 15 38 00 00 00 00 45 00 00 2d a0 24 40 00 40 11 82 8b 0a 00 02 0f 0a 00 02 02 b6 eb
            00 09 00 19 bc c9 68 65 6c 6c 6f 2c 20 6e 65 74 73 74 61 63 6b 34 6a""";

    /** A? pdos.csail.mit.edu, id 0xd9fe, RD. */
    static final String LINUX_DNS_QUERY = """
            0e f1 07 7f 42 b8 66 0c ee 58 71 42 08 00 45 00 00 40 9b 5c 40 00 40 11 87 40 0a 00 02 0f 0a 00
            02 02 a3 10 00 35 00 2c a0 a7 d9 fe 01 00 00 01 00 00 00 00 00 00 04 70 64 6f 73 05 63 73 61 69
            6c 03 6d 69 74 03 65 64 75 00 00 01 00 01""";

    /** pdos.csail.mit.edu A 128.52.129.126, owner name compressed to the question (c0 0c). */
    static final String LINUX_DNS_RESPONSE = """
            66 0c ee 58 71 42 0e f1 07 7f 42 b8 08 00 45 00 00 50 c0 2a 40 00 40 11 62 62 0a 00 02 02 0a 00
            02 0f 00 35 a3 10 00 3c 5a 40 d9 fe 85 80 00 01 00 01 00 00 00 00 04 70 64 6f 73 05 63 73 61 69
            6c 03 6d 69 74 03 65 64 75 00 00 01 00 01 c0 0c 00 01 00 01 00 00 00 00 00 04 80 34 81 7e""";

    /** www.netstack4j.test CNAME pdos.csail.mit.edu, then its A record named by a pointer into the CNAME (c0 31). */
    static final String LINUX_DNS_CNAME_RESPONSE = """
            66 0c ee 58 71 42 0e f1 07 7f 42 b8 08 00 45 00 00 71 c0 2b 40 00 40 11 62 40 0a 00 02 02 0a 00
            02 0f 00 35 a5 d3 00 5d 9d f7 f6 99 85 80 00 01 00 02 00 00 00 00 03 77 77 77 0a 6e 65 74 73 74
            61 63 6b 34 6a 04 74 65 73 74 00 00 01 00 01 c0 0c 00 05 00 01 00 00 00 00 00 14 04 70 64 6f 73
            05 63 73 61 69 6c 03 6d 69 74 03 65 64 75 00 c0 31 00 01 00 01 00 00 00 00 00 04 80 34 81 7e""";

    /** NXDOMAIN for nope.netstack4j.test. */
    static final String LINUX_DNS_NXDOMAIN = """
            66 0c ee 58 71 42 0e f1 07 7f 42 b8 08 00 45 00 00 42 c0 2c 40 00 40 11 62 6e 0a 00 02 02 0a 00
            02 0f 00 35 d0 79 00 2e 35 34 ba 37 81 83 00 01 00 00 00 00 00 00 04 6e 6f 70 65 0a 6e 65 74 73
            74 61 63 6b 34 6a 04 74 65 73 74 00 00 01 00 01""";

    /**
     * An ARP request from a 2001 Ethernet capture (a Windows host asking for 172.16.1.50),
     * padded to the 60-byte minimum with 18 zero bytes, as published in myNetWatchman's
     * "normal ARP" knowledge-base note.
     */
    static final String PADDED_ARP_REQUEST = """
            ff ff ff ff ff ff 00 a0 c9 22 b2 10 08 06 00 01 08 00 06 04 00 01 00 a0 c9 22 b2 10 ac 10 01 65
            00 00 00 00 00 00 ac 10 01 32 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00""";

    /** Linux ping over loopback, IP header onwards, from a tcpdump -X printout in a blog post. */
    static final String LOOPBACK_ECHO_REQUEST = """
            4500 0054 9210 4000 4001 aa96 7f00 0001 7f00 0001 0800 492b 5514 0001 2d08 f460
            0000 0000 6c83 0d00 0000 0000 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f 2021 2223
            2425 2627 2829 2a2b 2c2d 2e2f 3031 3233 3435 3637""";

    /** A DNS message only: an authoritative AAAA answer for www.google.com (Bonaventure's CNP3 exercises). */
    static final String GOOGLE_AAAA_RESPONSE = """
            4b4d850000010001 0000000003777777 06676f6f676c6503 636f6d00001c0001
            c00c001c00010000 012c00102a001450 400e080900000000 00002004""";

    // A TCP connection between the same two namespaces (socat sending "hello, tcp" to port 7777),
    // captured with dumpcap, transmit checksum offload off: tshark reports every checksum good.

    /** Linux's SYN: MSS 1460, SACK-permitted, timestamps, window scale 10, in Linux's order. */
    static final String LINUX_TCP_SYN = """
            4e 46 ce 1c fc 46 a6 21 96 e1 0b e8 08 00 45 00 00 3c c8 b1 40 00 40 06 59 fa 0a 00 02 0f 0a 00
            02 02 9d 7e 1e 61 fa 9b 80 f4 00 00 00 00 a0 02 fa f0 29 46 00 00 02 04 05 b4 04 02 08 0a 6d 63
            66 e2 00 00 00 00 01 03 03 0a""";

    /** The SYN-ACK, echoing the SYN's timestamp. */
    static final String LINUX_TCP_SYN_ACK = """
            a6 21 96 e1 0b e8 4e 46 ce 1c fc 46 08 00 45 00 00 3c 00 00 40 00 40 06 22 ac 0a 00 02 02 0a 00
            02 0f 1e 61 9d 7e dd 0a 9c cd fa 9b 80 f5 a0 12 fe 88 78 d0 00 00 02 04 05 b4 04 02 08 0a b6 b2
            7c 41 6d 63 66 e2 01 03 03 0a""";

    /** Ten bytes of data with PSH, timestamps after two NOPs. */
    static final String LINUX_TCP_DATA = """
            4e 46 ce 1c fc 46 a6 21 96 e1 0b e8 08 00 45 00 00 3e c8 b3 40 00 40 06 59 f6 0a 00 02 0f 0a 00
            02 02 9d 7e 1e 61 fa 9b 80 f5 dd 0a 9c ce 80 18 00 3f dd f4 00 00 01 01 08 0a 6d 63 66 e2 b6 b2
            7c 41 68 65 6c 6c 6f 2c 20 74 63 70""";
}
