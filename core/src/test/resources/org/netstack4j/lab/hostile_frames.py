"""The frames that once took a service down, sent from Linux with scapy onto a TAP device.

usage: hostile_frames.py IFACE LINUX_MAC HOST_MAC

Sends each, and for the pings waits for what the host answers. Prints one line per case, the
answer's verdict on it, then "done".
"""
import sys

from scapy.all import ICMP, IP, IPOption, UDP, Ether, Raw, conf, sendp, srp1

conf.verb = 0
iface, linux_mac, host_mac = sys.argv[1:4]
L, H = "10.0.2.2", "10.0.2.15"


def eth(packet):
    return Ether(src=linux_mac, dst=host_mac) / packet


# 1. From source port 0, to the UDP service and to DNS.
for port in (2000, 53):
    sendp(eth(IP(src=L, dst=H) / UDP(sport=0, dport=port) / Raw(b"x")), iface=iface)
print("udp_from_port_0 sent 2")

# 2. A forged port unreachable quoting 0.0.0.0:0, as if our service had sent there.
for port in (2000, 53):
    quoted = bytes(IP(src=H, dst="0.0.0.0") / UDP(sport=port, dport=0))[:28]
    sendp(eth(IP(src=L, dst=H) / ICMP(type=3, code=3) / Raw(quoted)), iface=iface)
print("forged_port_unreachable sent 2")

# 2b. Malformed DNS to the responder: a cut header, a name that points at itself, a response.
for payload in (b"\x12\x34\x01", b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",
                b"\x12\x34\x81\x80\x00\x00\x00\x00\x00\x00\x00\x00"):
    sendp(eth(IP(src=L, dst=H) / UDP(sport=5353, dport=53) / Raw(payload)), iface=iface)
print("malformed_dns sent 3")

# 3a. A ping with a malformed option (Record Route of length 1): a parameter problem comes back.
answer = srp1(eth(IP(src=L, dst=H, options=[IPOption(b"\x07\x01\x00\x00")]) / ICMP(id=7, seq=1)),
              iface=iface, timeout=3)
if answer is not None and ICMP in answer and answer[ICMP].type == 12:
    print("malformed_option parameter_problem pointer=%d" % answer[ICMP].ptr)
else:
    print("malformed_option no_parameter_problem %r" % (answer,))

# 3b. A source-routed ping: refused, nothing comes back.
answer = srp1(eth(IP(src=L, dst=H, options=[IPOption(b"\x83\x07\x04\x0a\x00\x02\x63\x00")]) / ICMP(id=7, seq=2)),
              iface=iface, timeout=2)
print("source_routed " + ("answered" if answer is not None and ICMP in answer else "refused"))

# 3c. A ping recording the route: the reply carries it with the host's address added.
answer = srp1(eth(IP(src=L, dst=H, options=[IPOption(b"\x07\x0b\x04" + b"\x00" * 8 + b"\x00")]) / ICMP(id=7, seq=3)),
              iface=iface, timeout=3)
if answer is not None and ICMP in answer and answer[ICMP].type == 0 and answer[IP].options:
    routers = [o.routers for o in answer[IP].options if o.option == 7]
    print("record_route reply routers=%s" % ",".join(routers[0] if routers else []))
else:
    print("record_route no_reply %r" % (answer,))
print("done")
