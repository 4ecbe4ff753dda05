"""Bad input for a host at 10.0.2.15, sent from Linux with scapy onto a TAP device.

usage: bad_frames.py IFACE LINUX_MAC HOST_MAC

Each frame is wrong in one way; the test knows which counter each one should land in.
Prints one line per frame sent, then "sent N".
"""
import sys

from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw, conf, sendp

conf.verb = 0
iface, linux_mac, host_mac = sys.argv[1:4]
L, H = "10.0.2.2", "10.0.2.15"


def eth(payload, etype=0x0800, dst=host_mac):
    return bytes(Ether(src=linux_mac, dst=dst, type=etype)) + bytes(payload)


def echo(**ip):
    return IP(src=L, dst=H, **ip) / ICMP(id=0x4242, seq=1) / Raw(b"netstack4j" * 4)


frames = []
# IPv4 header errors
whole = bytes(IP(src=L, dst=H, len=100) / UDP(sport=5000, dport=2000) / Raw(b"x" * 72))
frames.append(("ip_truncated", eth(whole[:40])))                      # total length 100, 40 bytes carried
frames.append(("ip_ihl_4", eth(echo(ihl=4))))                           # header length 16 < 20
frames.append(("ip_total_below_header", eth(echo(len=10))))            # total length 10 < header
frames.append(("ip_version_6", eth(echo(version=6))))                  # IPv6 version in an IPv4 frame
frames.append(("ethernet_header_only", eth(b"")))                       # 14 bytes: IPv4 type, nothing after
frames.append(("ip_bad_checksum", eth(echo(chksum=0x1234))))
# UDP errors (to the lab service's port: it must answer none of them)
frames.append(("udp_bad_checksum", eth(IP(src=L, dst=H) / UDP(sport=5000, dport=2000, chksum=0x1234) / Raw(b"a message from xv6!"))))
frames.append(("udp_length_too_long", eth(IP(src=L, dst=H) / UDP(sport=5000, dport=2000, len=200) / Raw(b"a message from xv6!"))))
frames.append(("udp_length_too_short", eth(IP(src=L, dst=H) / UDP(sport=5000, dport=2000, len=4) / Raw(b"a message from xv6!"))))
# ICMP
frames.append(("icmp_bad_checksum", eth(IP(src=L, dst=H) / ICMP(id=0x4242, seq=2, chksum=0x1234) / Raw(b"netstack4j"))))
# ARP with a bogus hardware address length
frames.append(("arp_hlen_8", eth(ARP(hwlen=8, op=1, hwsrc=linux_mac, psrc=L, pdst=H), etype=0x0806)))
# Overlapping fragments of an echo request: partly overlapping, then same offset with other bytes
payload = bytes(ICMP(id=0x4243, seq=3) / Raw(b"A" * 40))
frames.append(("frag_overlap_a1", eth(IP(src=L, dst=H, id=0x1111, flags="MF", frag=0, proto=1) / Raw(payload[:24]))))
frames.append(("frag_overlap_a2", eth(IP(src=L, dst=H, id=0x1111, flags="MF", frag=2, proto=1) / Raw(payload[16:40]))))
frames.append(("frag_overlap_b1", eth(IP(src=L, dst=H, id=0x2222, flags="MF", frag=0, proto=1) / Raw(payload[:16]))))
frames.append(("frag_overlap_b2", eth(IP(src=L, dst=H, id=0x2222, flags="MF", frag=0, proto=1) / Raw(b"B" * 16))))
# Ethernet level
frames.append(("unknown_ethertype", eth(b"\x00" * 46, etype=0x88B5)))
frames.append(("other_station", eth(echo(), dst="02:00:00:00:00:99")))
frames.append(("oversize_3000", eth(echo() / Raw(b"z" * 2900))))      # needs the TAP's MTU raised

for name, frame in frames:
    sendp(Raw(frame), iface=iface)
    print(name, len(frame), flush=True)
print("sent", len(frames), flush=True)
