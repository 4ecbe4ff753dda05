package org.netstack4j.hw.e1000;

/**
 * The E1000 register map and descriptor formats: byte offsets in BAR0 and bit values, as in
 * Intel's 8254x manual (and Linux's e1000_hw.h). Both the model and the driver read it, as
 * hardware and driver both follow one datasheet; it holds no behaviour.
 */
public final class E1000Registers {
    private E1000Registers() {
    }

    /** Size of the register window (BAR0). */
    public static final int BAR_SIZE = 0x20000;

    // ---- General
    public static final int CTRL = 0x0000;
    public static final int STATUS = 0x0008;
    public static final int EECD = 0x0010;
    public static final int EERD = 0x0014;
    public static final int CTRL_EXT = 0x0018;
    public static final int MDIC = 0x0020;
    public static final int FCAL = 0x0028;
    public static final int FCAH = 0x002C;
    public static final int FCT = 0x0030;
    public static final int VET = 0x0038;
    public static final int FCTTV = 0x0170;
    public static final int PBA = 0x1000;

    public static final int CTRL_FD = 0x0000_0001;
    public static final int CTRL_LRST = 0x0000_0008;
    public static final int CTRL_ASDE = 0x0000_0020;
    public static final int CTRL_SLU = 0x0000_0040;
    public static final int CTRL_RST = 0x0400_0000;
    public static final int CTRL_PHY_RST = 0x8000_0000;

    public static final int STATUS_FD = 0x0000_0001;
    public static final int STATUS_LU = 0x0000_0002;
    public static final int STATUS_SPEED_1000 = 0x0000_0080;

    public static final int EERD_START = 0x0000_0001;
    public static final int EERD_DONE = 0x0000_0010;
    public static final int EERD_ADDR_SHIFT = 8;
    public static final int EERD_DATA_SHIFT = 16;
    /** EEPROM words 0x00..0x3F sum to this value when the image is valid. */
    public static final int EEPROM_CHECKSUM = 0xBABA;
    public static final int EEPROM_WORDS = 64;

    // ---- Interrupts
    public static final int ICR = 0x00C0;
    public static final int ITR = 0x00C4;
    public static final int ICS = 0x00C8;
    public static final int IMS = 0x00D0;
    public static final int IMC = 0x00D8;

    public static final int ICR_TXDW = 0x01;
    public static final int ICR_TXQE = 0x02;
    public static final int ICR_LSC = 0x04;
    public static final int ICR_RXSEQ = 0x08;
    public static final int ICR_RXDMT0 = 0x10;
    public static final int ICR_RXO = 0x40;
    public static final int ICR_RXT0 = 0x80;
    /** ITR counts in units of 256 ns. */
    public static final int ITR_UNIT_NS = 256;
    /** RDTR, RADV, TIDV and TADV count in units of 1.024 µs. */
    public static final int DELAY_UNIT_NS = 1024;

    // ---- Receive
    public static final int RCTL = 0x0100;
    public static final int RDBAL = 0x2800;
    public static final int RDBAH = 0x2804;
    public static final int RDLEN = 0x2808;
    public static final int RDH = 0x2810;
    public static final int RDT = 0x2818;
    public static final int RDTR = 0x2820;
    public static final int RADV = 0x282C;
    public static final int RSRPD = 0x2C00;
    public static final int RXCSUM = 0x5000;
    public static final int MTA = 0x5200;
    public static final int MTA_WORDS = 128;
    public static final int RAL0 = 0x5400;
    public static final int RAH0 = 0x5404;
    public static final int RA_ENTRIES = 16;
    public static final int RAH_AV = 0x8000_0000;

    /** RXCSUM: where the packet checksum starts (bits 7:0), IP and TCP/UDP checksum offload enables. */
    public static final int RXCSUM_PCSS_MASK = 0x0000_00FF;
    public static final int RXCSUM_IPOFLD = 0x0000_0100;
    public static final int RXCSUM_TUOFLD = 0x0000_0200;

    public static final int RCTL_EN = 0x0000_0002;
    public static final int RCTL_SBP = 0x0000_0004;
    public static final int RCTL_UPE = 0x0000_0008;
    public static final int RCTL_MPE = 0x0000_0010;
    public static final int RCTL_LPE = 0x0000_0020;
    public static final int RCTL_RDMTS_SHIFT = 8;
    public static final int RCTL_RDMTS_HALF = 0x0000_0000;
    public static final int RCTL_RDMTS_QUARTER = 0x0000_0100;
    public static final int RCTL_RDMTS_EIGHTH = 0x0000_0200;
    public static final int RCTL_MO_SHIFT = 12;
    public static final int RCTL_BAM = 0x0000_8000;
    public static final int RCTL_BSIZE_SHIFT = 16;
    public static final int RCTL_BSIZE_2048 = 0x0000_0000;
    public static final int RCTL_BSIZE_1024 = 0x0001_0000;
    public static final int RCTL_BSIZE_512 = 0x0002_0000;
    public static final int RCTL_BSIZE_256 = 0x0003_0000;
    public static final int RCTL_BSEX = 0x0200_0000;
    public static final int RCTL_SECRC = 0x0400_0000;

    // ---- Transmit
    public static final int TCTL = 0x0400;
    public static final int TIPG = 0x0410;
    public static final int TDBAL = 0x3800;
    public static final int TDBAH = 0x3804;
    public static final int TDLEN = 0x3808;
    public static final int TDH = 0x3810;
    public static final int TDT = 0x3818;
    public static final int TIDV = 0x3820;
    public static final int TADV = 0x382C;

    public static final int TCTL_EN = 0x0000_0002;
    public static final int TCTL_PSP = 0x0000_0008;
    public static final int TCTL_CT_SHIFT = 4;
    public static final int TCTL_COLD_SHIFT = 12;
    /** IPGT 10, IPGR1 8, IPGR2 6: the usual value for copper. */
    public static final int TIPG_DEFAULT = 10 | (8 << 10) | (6 << 20);

    // ---- Statistics (read-to-clear)
    public static final int CRCERRS = 0x4000;
    public static final int ALGNERRC = 0x4004;
    public static final int SYMERRS = 0x4008;
    public static final int RXERRC = 0x400C;
    public static final int MPC = 0x4010;
    public static final int COLC = 0x4028;
    public static final int TNCRS = 0x4034;
    public static final int RLEC = 0x4040;
    public static final int PRC64 = 0x405C;
    public static final int PRC127 = 0x4060;
    public static final int PRC255 = 0x4064;
    public static final int PRC511 = 0x4068;
    public static final int PRC1023 = 0x406C;
    public static final int PRC1522 = 0x4070;
    public static final int GPRC = 0x4074;
    public static final int BPRC = 0x4078;
    public static final int MPRC = 0x407C;
    public static final int GPTC = 0x4080;
    public static final int GORCL = 0x4088;
    public static final int GORCH = 0x408C;
    public static final int GOTCL = 0x4090;
    public static final int GOTCH = 0x4094;
    public static final int RNBC = 0x40A0;
    public static final int RUC = 0x40A4;
    public static final int RFC = 0x40A8;
    public static final int ROC = 0x40AC;
    public static final int RJC = 0x40B0;
    public static final int TORL = 0x40C0;
    public static final int TORH = 0x40C4;
    public static final int TOTL = 0x40C8;
    public static final int TOTH = 0x40CC;
    public static final int TPR = 0x40D0;
    public static final int TPT = 0x40D4;
    public static final int PTC64 = 0x40D8;
    public static final int PTC127 = 0x40DC;
    public static final int PTC255 = 0x40E0;
    public static final int PTC511 = 0x40E4;
    public static final int PTC1023 = 0x40E8;
    public static final int PTC1522 = 0x40EC;
    public static final int MPTC = 0x40F0;
    public static final int BPTC = 0x40F4;
    /** TCP segmentation contexts transmitted: one per TSO request whose every frame went out. */
    public static final int TSCTC = 0x40F8;
    /** TCP segmentation contexts that failed: TSO requests the card gave up on part-way. */
    public static final int TSCTFC = 0x40FC;
    /** First and last statistics register: everything in between reads-to-clear. */
    public static final int STATS_FIRST = 0x4000;
    public static final int STATS_LAST = 0x40FC;

    // ---- Descriptors (16 bytes, little-endian)
    public static final int DESC_SIZE = 16;
    /** Ring lengths (RDLEN, TDLEN) must be multiples of this. */
    public static final int RING_ALIGN = 128;

    public static final int DESC_ADDR = 0;
    public static final int DESC_LENGTH = 8;

    public static final int TXD_CSO = 10;
    public static final int TXD_CMD = 11;
    public static final int TXD_STATUS = 12;
    public static final int TXD_CSS = 13;
    public static final int TXD_SPECIAL = 14;
    public static final int TXD_CMD_EOP = 0x01;
    public static final int TXD_CMD_IFCS = 0x02;
    public static final int TXD_CMD_IC = 0x04;
    public static final int TXD_CMD_RS = 0x08;
    public static final int TXD_CMD_RPS = 0x10;
    public static final int TXD_CMD_DEXT = 0x20;
    public static final int TXD_CMD_VLE = 0x40;
    public static final int TXD_CMD_IDE = 0x80;
    public static final int TXD_STAT_DD = 0x01;
    public static final int TXD_STAT_EC = 0x02;
    public static final int TXD_STAT_LC = 0x04;
    public static final int TXD_STAT_TU = 0x08;

    // Extended transmit descriptors (DEXT set): the 32-bit word at byte 8 holds a length in bits
    // 19:0, the descriptor type (DTYP) in bits 23:20 and the command byte in bits 31:24 (byte 11).
    /** DTYP in byte 10's high nibble: a TCP/IP context descriptor. */
    public static final int TXD_DTYP_CONTEXT = 0x0;
    /** DTYP in byte 10's high nibble: an extended data descriptor. */
    public static final int TXD_DTYP_DATA = 0x1;
    /** Mask of the length field (DTALEN, PAYLEN) in an extended descriptor's word at byte 8. */
    public static final int TXD_EXT_LENGTH_MASK = 0x000F_FFFF;
    /** Extended data descriptor: TCP segmentation enable (DCMD.TSE). */
    public static final int TXD_CMD_TSE = 0x04;
    /** Extended data descriptor: packet options (POPTS) at byte 13. */
    public static final int TXD_POPTS = 13;
    public static final int TXD_POPTS_IXSM = 0x01;
    public static final int TXD_POPTS_TXSM = 0x02;

    // TCP/IP context descriptor: offsets of its fields in the 16 bytes.
    public static final int TXC_IPCSS = 0;
    public static final int TXC_IPCSO = 1;
    public static final int TXC_IPCSE = 2;
    public static final int TXC_TUCSS = 4;
    public static final int TXC_TUCSO = 5;
    public static final int TXC_TUCSE = 6;
    /** PAYLEN (bits 19:0), DTYP (23:20) and TUCMD (31:24). */
    public static final int TXC_CMD_AND_LENGTH = 8;
    public static final int TXC_TUCMD = 11;
    public static final int TXC_STATUS = 12;
    public static final int TXC_HDRLEN = 13;
    public static final int TXC_MSS = 14;
    /** TUCMD: the packet is TCP (else UDP). */
    public static final int TXC_CMD_TCP = 0x01;
    /** TUCMD: the packet is IPv4 (else IPv6). */
    public static final int TXC_CMD_IP = 0x02;
    /** TUCMD: this context describes a TCP segmentation. */
    public static final int TXC_CMD_TSE = 0x04;

    public static final int RXD_CSUM = 10;
    public static final int RXD_STATUS = 12;
    public static final int RXD_ERRORS = 13;
    public static final int RXD_SPECIAL = 14;
    public static final int RXD_STAT_DD = 0x01;
    public static final int RXD_STAT_EOP = 0x02;
    public static final int RXD_STAT_IXSM = 0x04;
    public static final int RXD_STAT_VP = 0x08;
    public static final int RXD_STAT_UDPCS = 0x10;
    /** The card checked the TCP or UDP checksum (RXCSUM.TUOFLD); RXD_ERR_TCPE says if it was wrong. */
    public static final int RXD_STAT_TCPCS = 0x20;
    /** The card checked the IPv4 header checksum (RXCSUM.IPOFLD); RXD_ERR_IPE says if it was wrong. */
    public static final int RXD_STAT_IPCS = 0x40;
    public static final int RXD_ERR_CE = 0x01;
    public static final int RXD_ERR_SE = 0x02;
    public static final int RXD_ERR_SEQ = 0x04;
    public static final int RXD_ERR_CXE = 0x10;
    public static final int RXD_ERR_TCPE = 0x20;
    public static final int RXD_ERR_IPE = 0x40;
    public static final int RXD_ERR_RXE = 0x80;

    // ---- Frame sizes
    /** Shortest frame on the wire without FCS; shorter ones are padded. */
    public static final int MIN_FRAME = 60;
    /** Longest frame (with a VLAN tag, with FCS) accepted without RCTL.LPE. */
    public static final int MAX_FRAME_WITH_FCS = 1522;
    /** Longest frame the model accepts with RCTL.LPE. */
    public static final int MAX_JUMBO_FRAME = 16128;
    public static final int FCS_LENGTH = 4;

    /** Receive buffer size selected by RCTL.BSIZE and BSEX. */
    public static int rxBufferSize(int rctl) {
        int code = (rctl >>> RCTL_BSIZE_SHIFT) & 3;
        int size = 2048 >>> code;
        return (rctl & RCTL_BSEX) != 0 && code != 0 ? size * 16 : size;
    }
}
